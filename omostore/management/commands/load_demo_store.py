from django.core.management import BaseCommand, CommandError

from omostore.demo import DemoRefusedInProduction, load_demo_store


class Command(BaseCommand):
    help = "Load (or refresh) the Tokyo demo store, its catalogue and its demo accounts."

    def handle(self, *args, **options):
        try:
            store = load_demo_store()
        except DemoRefusedInProduction as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo store {store.code} ready: {store.offers.count()} products on offer."
            )
        )
