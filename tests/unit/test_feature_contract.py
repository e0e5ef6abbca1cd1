"""Every feature takes part in the FeatureCog contract, and one that would not cannot be made."""

from __future__ import annotations

import pytest

from bot.extensions import discover_extensions
from bot.feature import FeatureCog, FeatureStats, ForgetReport, feature_classes

# Extensions that hold nothing about members: admin asks the others (meta keeps API tokens).
NOT_FEATURES = {"cogs.admin"}


def test_every_extension_that_keeps_data_is_a_feature_with_the_whole_contract() -> None:
    extensions = discover_extensions()
    features = feature_classes(extensions)
    modules = {cls.__module__.rsplit(".", 1)[0] for cls in features}
    assert modules == set(extensions) - NOT_FEATURES
    for cls in features:
        for method in ("forget_member", "stats"):
            assert getattr(cls, method) is not getattr(FeatureCog, method), (cls, method)
        for spec in cls.setting_specs:
            assert spec.key.split(".")[0] in (cls.feature, "channels"), spec.key


def test_a_feature_that_cannot_forget_a_member_is_refused_when_defined() -> None:
    with pytest.raises(TypeError, match="must implement forget_member"):

        class Forgetful(FeatureCog):
            feature = "forgetful"

            async def stats(self, guild_id: int) -> FeatureStats:
                return {}

    with pytest.raises(TypeError, match="must name its feature"):

        class Nameless(FeatureCog):
            async def forget_member(self, guild_id: int, user_id: int) -> ForgetReport:
                return {}

            async def stats(self, guild_id: int) -> FeatureStats:
                return {}
