"""The profile and colleague-finder pages, included into the ``web`` namespace."""

from django.urls import path

from deskwerk.web import people_views

urlpatterns = [
    path("me/profile/", people_views.profile, name="profile"),
    path("me/profile/settings/", people_views.profile_settings, name="profile-settings"),
    path("me/profile/photo/", people_views.photo_upload, name="profile-photo"),
    path("me/profile/photo/remove/", people_views.photo_remove, name="profile-photo-remove"),
    path(
        "me/favourites/resources/<int:resource_id>/",
        people_views.favourite_resource,
        name="favourite-resource",
    ),
    path(
        "me/favourites/people/<int:person_id>/",
        people_views.favourite_colleague,
        name="favourite-colleague",
    ),
    path("people/", people_views.finder, name="finder"),
    path("people/<int:person_id>/photo/", people_views.person_photo, name="person-photo"),
]
