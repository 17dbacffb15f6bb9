"""Payees and the bank (#16, ADR 0016): a third-party payee with an account, batches and
return imports as the services write them."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import factory

from carecircle.claims.models import BankAccount, BankReturnImport, PaymentBatch, PaymentPayee

from .claims import at


class PaymentPayeeFactory(factory.django.DjangoModelFactory):
    """A third party (by name and ID number) injured in an accident."""

    class Meta:
        model = PaymentPayee

    kind = "third_party"
    name = factory.Sequence(lambda n: f"第三者{n:03d}")
    created_at = factory.LazyFunction(lambda: at(2))

    @factory.post_generation
    def id_number(self, create, extracted, **kwargs):
        self.set_id_number(extracted or "110105199001011234")
        if create:
            self.save(update_fields=["id_number_encrypted", "id_number_masked"])


class BankAccountFactory(factory.django.DjangoModelFactory):
    """An unverified account at ICBC with a 19-digit number."""

    class Meta:
        model = BankAccount

    payee = factory.SubFactory(PaymentPayeeFactory)
    holder_name = factory.SelfAttribute("payee.name")
    bank_code = "ICBC"
    bank_name = "中国工商银行杭州分行"
    branch_code = "102331000015"
    created_at = factory.LazyFunction(lambda: at(2))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        number = kwargs.pop("number", "6222021202000012345")
        obj = model_class(*args, **kwargs)
        obj.set_number(number)
        obj.save()
        return obj


class PaymentBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentBatch
        exclude = ("plain",)

    bank_code = "DEFAULT"
    file_name = factory.Sequence(lambda n: f"CC-DEFAULT-{n}.csv")
    # The file as the bank gets it; stored sealed (encrypted) like the service stores it.
    plain = factory.Sequence(lambda n: f"reference,amount\r\nCP{n:010d},100.00\r\n".encode())
    content = factory.LazyAttribute(lambda o: PaymentBatch.seal(o.plain, "utf-8"))
    file_hash = factory.LazyAttribute(lambda o: hashlib.sha256(o.plain).hexdigest())
    encoding = "utf-8"
    count = 1
    total = Decimal("100.00")
    created_at = factory.LazyFunction(lambda: at(6))


class BankReturnImportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BankReturnImport

    bank_code = "DEFAULT"
    file_name = factory.Sequence(lambda n: f"return-{n}.csv")
    file_hash = factory.Sequence(lambda n: hashlib.sha256(f"return {n}".encode()).hexdigest())
    imported_at = factory.LazyFunction(lambda: at(7))
