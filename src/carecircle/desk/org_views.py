"""The organisation page (机构, ``/org/``): the tree with staff, customers and policies per unit.

- Insurer staff see their own unit's subtree (head office and superusers: the whole tree),
  read-only.
- Staff holding ``view_audit`` (managers) and superusers may also move a unit under a new
  parent and place a person in a unit — both inside their own subtree, each with a reason,
  each audited by ``core.org`` (``move_unit`` / ``place_user``). A broken rule (a level out of
  order, a unit moved under itself) comes back on the page with its message, nothing changed.
- Partner, merchant and customer logins get 403; anonymous visitors the login page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from carecircle.core.access import in_subtree
from carecircle.core.errors import DomainError
from carecircle.core.models import OrgUnit, User
from carecircle.core.org import move_unit, place_user
from carecircle.core.roles import STAFF_ROLES, Perm, has_perm

from .selectors.org_tree import FIGURES, org_tree


class MoveForm(forms.Form):
    unit = forms.CharField(label="机构代码 / Unit code", max_length=16)
    new_parent = forms.CharField(label="新上级机构代码 / New parent code", max_length=16)
    reason = forms.CharField(label="原因 / Reason", max_length=200)


class PlaceForm(forms.Form):
    username = forms.CharField(label="用户名 / Username", max_length=150)
    unit = forms.CharField(label="机构代码 / Unit code", max_length=16)
    reason = forms.CharField(label="原因 / Reason", max_length=200)


def _staff(request: HttpRequest) -> Any:
    user = request.user
    if not getattr(user, "is_insurer_staff", False):
        raise PermissionDenied("仅限保险公司员工 / insurer staff only")
    return user


def may_manage(user) -> bool:
    return has_perm(user, Perm.VIEW_AUDIT)


def _page(request: HttpRequest, user, *, move=None, place=None, status: int = 200):
    tree = org_tree(user)
    context = {
        "tree": tree,
        "figures": FIGURES,
        "manage": may_manage(user),
        "move_form": move or MoveForm(),
        "place_form": place or PlaceForm(),
        "done": request.GET.get("done", ""),
    }
    return render(request, "desk/org.html", context, status=status)


@require_GET
@login_required
def org_page(request: HttpRequest) -> HttpResponse:
    return _page(request, _staff(request))


def _unit_in_scope(user, code: str, form: forms.Form, field: str) -> OrgUnit | None:
    unit = OrgUnit.objects.filter(code=code.strip()).first()
    if unit is None or not in_subtree(user, unit.pk):
        # Another branch's unit is reported as unknown: the page never confirms it exists.
        form.add_error(field, f"机构不存在或不在您的管辖范围 / no such unit in your scope: {code}")
        return None
    return unit


def _manager(request: HttpRequest) -> Any:
    user = _staff(request)
    if not may_manage(user):
        raise PermissionDenied("需要审计权限才能调整机构 / moving units needs view_audit")
    return user


@require_POST
@login_required
def org_move(request: HttpRequest) -> HttpResponse:
    user = _manager(request)
    form = MoveForm(request.POST)
    if form.is_valid():
        unit = _unit_in_scope(user, form.cleaned_data["unit"], form, "unit")
        parent = _unit_in_scope(user, form.cleaned_data["new_parent"], form, "new_parent")
        if unit is not None and parent is not None:
            try:
                move_unit(unit, parent, by=user, reason=form.cleaned_data["reason"])
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect(reverse("desk:org") + "?done=move")
    return _page(request, user, move=form, status=400)


@require_POST
@login_required
def org_place(request: HttpRequest) -> HttpResponse:
    user = _manager(request)
    form = PlaceForm(request.POST)
    if form.is_valid():
        name = form.cleaned_data["username"].strip()
        person = (
            User.objects.filter(username=name, role__in=STAFF_ROLES).select_related("unit").first()
        )
        if person is None or not in_subtree(user, person.unit_id):
            form.add_error(
                "username", f"员工不存在或不在您的管辖范围 / no such staff in your scope: {name}"
            )
        unit = _unit_in_scope(user, form.cleaned_data["unit"], form, "unit")
        if form.is_valid() and person is not None and unit is not None:
            try:
                place_user(person, unit, by=user, reason=form.cleaned_data["reason"])
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect(reverse("desk:org") + "?done=place")
    return _page(request, user, place=form, status=400)
