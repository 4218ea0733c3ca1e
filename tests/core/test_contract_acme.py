"""The contract suite against the scripted Acme provider, and against a broken one."""

from __future__ import annotations

import httpx
import pytest
from framecast.testing.contract import ProviderContract

from .acme import AcmeProvider, AcmeServer

pytest_plugins = ["pytester"]


class TestAcmeContract(ProviderContract):
    provider_class = AcmeProvider
    env = {"ACME_SECRET": "acme-test-secret"}

    def make_transport(self) -> httpx.AsyncBaseTransport:
        return httpx.MockTransport(AcmeServer())


BROKEN = """
import random
import httpx
from framecast import ProviderInfo, hookimpl
from framecast.testing.contract import ProviderContract
from tests.core.acme import AcmeProvider, AcmeServer


class BrokenAcme(AcmeProvider):
    @hookimpl
    def provider_info(self):
        info = super().provider_info()
        # default model missing from the table
        return ProviderInfo(name="acme", models=info.models, default_models={"image": "nope"},
                            credential_variables=info.credential_variables,
                            official_hosts=info.official_hosts,
                            default_base_url=info.default_base_url)

    @hookimpl
    def prepare(self, request, model, ratio_plan, camera_plan):
        prepared = super().prepare(request, model, ratio_plan, camera_plan)
        body = dict(prepared.body, nonce=random.random())  # impure
        return prepared.__class__(method="POST", path="/v1/videos", body=body)


class TestBroken(ProviderContract):
    provider_class = BrokenAcme
    env = {"ACME_SECRET": "acme-test-secret"}

    def make_transport(self):
        return httpx.MockTransport(AcmeServer())
"""


def test_the_suite_fails_against_a_broken_provider(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_broken=BROKEN)
    pytester.syspathinsert(str(__import__("pathlib").Path(__file__).resolve().parents[2]))
    result = pytester.runpytest_inprocess("-p", "anyio", "-q", "-rf", "-p", "no:randomly")
    failed = {
        line.split("::")[-1].split(" ")[0]
        for line in result.stdout.lines
        if line.startswith("FAILED ")
    }
    # The default model the table lacks fails every test that builds a request from it.
    assert failed == {
        "test_provider_info_is_complete",
        "test_constructs_and_prepares_without_credentials",
        "test_missing_credentials_name_the_variable",
        "test_prepare_is_pure_and_deterministic",
        "test_every_camera_move_is_rendered_or_refused_clearly",
        "test_generate_end_to_end",
        "test_wait_resumes_from_a_serialized_handle",
    }, result.stdout.str()
    result.assert_outcomes(failed=7, passed=3, skipped=1)
