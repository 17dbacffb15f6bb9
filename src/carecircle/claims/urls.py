from django.urls import path

from .views import bank, customer, documents, repair, reserves, staff

app_name = "claims"
urlpatterns = [
    path("", staff.worklist, name="worklist"),
    path("<int:claim_id>/", staff.detail, name="detail"),
    path("<int:claim_id>/act/", staff.act, name="act"),
    path("approvals/", staff.approvals, name="approvals"),
    path("dashboard/", staff.dashboard, name="dashboard"),
    path("reports/", staff.reports, name="reports"),
    path("calendar/", staff.work_calendar, name="calendar"),
    path("documents/<int:document_id>/", documents.document, name="document"),
    path("my/", customer.my_claims, name="my_claims"),
    path("my/report/", customer.report, name="report"),
    path("my/<int:claim_id>/", customer.my_claim, name="my_claim"),
    path("calculator/", repair.calculator, name="calculator"),
    path("repairs/book/", repair.book_repair, name="book_repair"),
    path("repairs/<int:service_id>/", repair.repair_booked, name="repair_booked"),
    path("shop/", repair.shop_claims, name="shop_claims"),
    path("shop/<int:claim_id>/", repair.shop_claim, name="shop_claim"),
    # Reserves as movements and recoveries (#16, ADR 0015).
    path("<int:claim_id>/reserves/", reserves.revise, name="revise_reserve"),
    path("<int:claim_id>/recoveries/", reserves.record_recovery, name="record_recovery"),
    path("reserve-changes/", reserves.changes, name="reserve_changes"),
    path(
        "reserve-changes/<int:change_id>/decide/",
        reserves.decide,
        name="decide_reserve_change",
    ),
    # Payees and the bank (#16, ADR 0016).
    path("<int:claim_id>/payees/", bank.add_payee, name="add_payee"),
    path(
        "<int:claim_id>/accounts/<int:account_id>/verify/",
        bank.verify_account,
        name="verify_account",
    ),
    path("<int:claim_id>/payments/", bank.pay_to_account, name="pay_to_account"),
    path("payments/<int:payment_id>/approve/", bank.approve_payment, name="approve_payment"),
    path("payments/<int:payment_id>/reissue/", bank.reissue_payment, name="reissue_payment"),
    path("payments/<int:payment_id>/account/", bank.attach_account, name="attach_account"),
    path("bank/", bank.bank_page, name="bank"),
    path("bank/batches/", bank.make_batch, name="make_batch"),
    path("bank/batches/<int:batch_id>/", bank.batch_file, name="batch_file"),
    path("bank/returns/", bank.upload_returns, name="upload_returns"),
]
