"""framecast: one image-to-video request, any provider.

    import framecast

    result = framecast.generate(
        prompt="An astronaut waves", image="examples/astronaut.png", camera="zoom_in"
    )
    print(result.url)

Public names are loaded on first use, so ``import framecast`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # errors
    "FramecastError": "._errors",
    "ConfigurationError": "._errors",
    "ValidationError": "._errors",
    "UnsupportedOption": "._errors",
    "NotSupported": "._errors",
    "ProviderValidationError": "._errors",
    "AuthenticationError": "._errors",
    "AccountError": "._errors",
    "RateLimited": "._errors",
    "OutcomeUnknown": "._errors",
    "TaskTimeout": "._errors",
    "ProviderError": "._errors",
    "TaskNotFound": "._errors",
    "GenerationFailed": "._errors",
    "FramecastCancelled": "._errors",
    "PluginLoadError": "._plugins",
    "MalformedResponse": "._errors",
    "Provider": "._provider",
    "declared_ratio_plan": "._defaults",
    "prompt_camera_plan": "._defaults",
    "reduced_ratio": "._ratios",
    "status_from_word": "._helpers",
    "task_url": "._helpers",
    "exit_code_for": "._errors",
    # secrets: one redaction for every message, repr, log record and output
    "register_secret": "._secrets",
    "redact": "._secrets",
    "RedactingFilter": "._secrets",
    # camera
    "CameraMove": "._camera",
    "CAMERA_PHRASES": "._camera",
    "IDENTITY_PREFIX": "._camera",
    "compose_prompt": "._camera",
    "prompt_length": "._camera",
    # data model
    "CameraPlan": "._models",
    "Classification": "._models",
    "CostEstimate": "._models",
    "GenerationRequest": "._models",
    "GenerationResult": "._models",
    "ImageConstraints": "._models",
    "ImageRef": "._models",
    "Mode": "._models",
    "ModelInfo": "._models",
    "ModeVariant": "._models",
    "OptionSpec": "._models",
    "Outcome": "._models",
    "Output": "._models",
    "PendingUpload": "._models",
    "PreparedRequest": "._models",
    "ProviderInfo": "._models",
    "ProviderSettings": "._models",
    "RatioPlan": "._models",
    "TaskHandle": "._models",
    "TaskState": "._models",
    "TaskStatus": "._models",
    # plugin contract
    "hookimpl": ".hookspecs",
    "HOOKSPEC_VERSION": ".hookspecs",
    # running
    "Runner": "._runner",
    "SyncRunner": "._sync",
    "generate": "._sync",
    "compare": "._compare",
    "Failover": "._failover",
    "Attempt": "._failover",
    "Quote": "._compare",
    "SubmittedTask": "._submitted",
    "SubmittedTasks": "._submitted",
    "RetryPolicy": "._retry",
    "Clock": "._clock",
    "SystemClock": "._clock",
    # ratio helpers for providers
    "parse_ratio": "._ratios",
    "nearest_ratio": "._ratios",
    "same_aspect": "._ratios",
    # the framecast.toml keys a plugin reads (ProviderInfo.config_keys)
    "ConfigKey": "._config",
    # for a provider's classify(): Retry-After as seconds
    "parse_retry_after": "._retry",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'framecast' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from ._camera import CAMERA_PHRASES, IDENTITY_PREFIX, CameraMove, compose_prompt, prompt_length
    from ._clock import Clock, SystemClock
    from ._compare import Quote, compare
    from ._config import ConfigKey
    from ._defaults import declared_ratio_plan, prompt_camera_plan
    from ._errors import (
        AccountError,
        AuthenticationError,
        ConfigurationError,
        FramecastCancelled,
        FramecastError,
        GenerationFailed,
        MalformedResponse,
        NotSupported,
        OutcomeUnknown,
        ProviderError,
        ProviderValidationError,
        RateLimited,
        TaskNotFound,
        TaskTimeout,
        UnsupportedOption,
        ValidationError,
        exit_code_for,
    )
    from ._failover import Attempt, Failover
    from ._helpers import status_from_word, task_url
    from ._models import (
        CameraPlan,
        Classification,
        CostEstimate,
        GenerationRequest,
        GenerationResult,
        ImageConstraints,
        ImageRef,
        Mode,
        ModelInfo,
        ModeVariant,
        OptionSpec,
        Outcome,
        Output,
        PendingUpload,
        PreparedRequest,
        ProviderInfo,
        ProviderSettings,
        RatioPlan,
        TaskHandle,
        TaskState,
        TaskStatus,
    )
    from ._plugins import PluginLoadError
    from ._provider import Provider
    from ._ratios import nearest_ratio, parse_ratio, reduced_ratio, same_aspect
    from ._retry import RetryPolicy, parse_retry_after
    from ._runner import Runner
    from ._secrets import RedactingFilter, redact, register_secret
    from ._submitted import SubmittedTask, SubmittedTasks
    from ._sync import SyncRunner, generate
    from .hookspecs import HOOKSPEC_VERSION, hookimpl
