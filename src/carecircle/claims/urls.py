from django.urls import path

from . import shop_views, views

app_name = "claims"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("<int:claim_id>/", views.detail, name="detail"),
    path("<int:claim_id>/act/", views.act, name="act"),
    path("approvals/", views.approvals, name="approvals"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("reports/", views.reports, name="reports"),
    path("documents/<int:document_id>/", views.document, name="document"),
    path("my/", views.my_claims, name="my_claims"),
    path("my/report/", views.report, name="report"),
    path("my/<int:claim_id>/", views.my_claim, name="my_claim"),
    path("calculator/", views.calculator, name="calculator"),
    path("repairs/book/", views.book_repair, name="book_repair"),
    path("repairs/<int:service_id>/", views.repair_booked, name="repair_booked"),
    path("shop/", shop_views.shop_claims, name="shop_claims"),
    path("shop/<int:claim_id>/", shop_views.shop_claim, name="shop_claim"),
]
