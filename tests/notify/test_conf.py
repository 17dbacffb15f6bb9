"""Notify's settings are read through core.conf.AppSettings: documented defaults, overridden
by ``settings.CARECIRCLE["NOTIFY"]`` at call time; a name nobody declared is an error."""

import pytest

from carecircle.notify import conf


def test_the_defaults_hold_until_the_deployment_overrides_them(settings):
    settings.CARECIRCLE = {}
    assert (conf.get("DAILY_CAP"), conf.get("QUIET_HOURS")) == (3, (21, 9))
    settings.CARECIRCLE = {"NOTIFY": {"DAILY_CAP": 5}}
    assert (conf.get("DAILY_CAP"), conf.get("QUIET_HOURS")) == (5, (21, 9))


def test_an_undeclared_setting_is_an_error():
    with pytest.raises(KeyError):
        conf.get("DAILY_CAPS")
