from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Sign-in and access"

    def ready(self) -> None:
        from accounts import signals  # noqa: F401 - connects the audit receivers
