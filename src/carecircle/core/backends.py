"""The session login backend: the user is read with their unit, because every scoped query of
the request asks for it (``core.access.unit_subtree_ids``)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


class UnitAwareBackend(ModelBackend):
    def get_user(self, user_id):
        user_model = self.__class__._user_model()
        try:
            user = user_model._default_manager.select_related("unit").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    @staticmethod
    def _user_model():
        from django.contrib.auth import get_user_model

        return get_user_model()
