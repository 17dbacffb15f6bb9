from django.urls import path

from .views import common, customer, merchant, staff, statements

app_name = "alliance"

urlpatterns = [
    path("", common.home, name="home"),
    path("dashboard/", staff.dashboard, name="dashboard"),
    path("catalogue/", staff.catalogue, name="catalogue"),
    path("packages/", staff.packages, name="packages"),
    path("issue/", staff.issue, name="issue"),
    path("issue/run/", staff.issue_run, name="issue_run"),
    path("merchant/", merchant.merchant_portal, name="merchant_portal"),
    path("merchant/redeem/", merchant.redeem, name="redeem"),
    path("merchant/today/", merchant.todays_redemptions, name="todays"),
    path("redemptions/<int:redemption_id>/reverse/", merchant.reverse_redemption, name="reverse"),
    path("bookings/<int:booking_id>/mark/", merchant.mark_booking, name="mark_booking"),
    path("statements/", statements.statements, name="statements"),
    path("statements/build/", statements.build_statements, name="build_statements"),
    path("statements/<int:statement_id>/", statements.statement_detail, name="statement_detail"),
    path(
        "statements/<int:statement_id>/export.<str:fmt>",
        statements.statement_export,
        name="statement_export",
    ),
    path(
        "statements/<int:statement_id>/<slug:action>/",
        statements.statement_action,
        name="statement_action",
    ),
    path("my/", customer.my_services, name="my_services"),
    path("my/vouchers/<int:voucher_id>/book/", customer.book, name="book"),
    path("my/vouchers/<int:voucher_id>/qr.<str:fmt>", customer.voucher_qr, name="voucher_qr"),
    path("my/redemptions/<int:redemption_id>/rate/", customer.rate, name="rate"),
]
