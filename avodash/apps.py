from django.apps import AppConfig


class AvodashConfig(AppConfig):
    name = "avodash"
    verbose_name = "avodash"

    def ready(self) -> None:
        from avodash import storable

        storable.connect()
