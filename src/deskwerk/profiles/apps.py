from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    """Profiles (photo, favourites, finder choice) and the colleague finder."""

    name = "deskwerk.profiles"
    label = "profiles"
