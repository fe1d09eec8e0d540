from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self):
        # Seats of a priced cohort are paid for: cohorts asks this policy (it never
        # imports payments).
        from cohorts.seats import seat_policy_register
        from payments.seats import PaidSeats
        from payments.services.instalments import instalment_dunning_register

        seat_policy_register(PaidSeats())
        # Instalment plans in arrears are chased like anything else paid for.
        instalment_dunning_register()
