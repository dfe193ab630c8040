from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "deskwerk.audit"
    label = "audit"

    def ready(self) -> None:
        from django.contrib.auth import signals as auth_signals
        from django.db.backends.signals import connection_created

        from deskwerk.audit import guard, signals

        connection_created.connect(guard.register_sqlite_function, dispatch_uid="audit_sqlite")
        auth_signals.user_logged_in.connect(signals.on_login, dispatch_uid="audit_login")
        auth_signals.user_login_failed.connect(
            signals.on_login_failed, dispatch_uid="audit_login_failed"
        )
        auth_signals.user_logged_out.connect(signals.on_logout, dispatch_uid="audit_logout")
