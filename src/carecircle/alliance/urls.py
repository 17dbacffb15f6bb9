from django.urls import path

from . import views

app_name = "alliance"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("packages/", views.packages, name="packages"),
    path("issue/", views.issue, name="issue"),
    path("issue/run/", views.issue_run, name="issue_run"),
    path("merchant/", views.merchant_portal, name="merchant_portal"),
    path("merchant/redeem/", views.redeem, name="redeem"),
    path("merchant/today/", views.todays_redemptions, name="todays"),
    path("redemptions/<int:redemption_id>/reverse/", views.reverse_redemption, name="reverse"),
    path("bookings/<int:booking_id>/mark/", views.mark_booking, name="mark_booking"),
    path("statements/", views.statements, name="statements"),
    path("statements/build/", views.build_statements, name="build_statements"),
    path("statements/<int:statement_id>/", views.statement_detail, name="statement_detail"),
    path(
        "statements/<int:statement_id>/export.<str:fmt>",
        views.statement_export,
        name="statement_export",
    ),
    path(
        "statements/<int:statement_id>/<slug:action>/",
        views.statement_action,
        name="statement_action",
    ),
    path("my/", views.my_services, name="my_services"),
    path("my/vouchers/<int:voucher_id>/book/", views.book, name="book"),
    path("my/vouchers/<int:voucher_id>/qr.<str:fmt>", views.voucher_qr, name="voucher_qr"),
    path("my/redemptions/<int:redemption_id>/rate/", views.rate, name="rate"),
]
