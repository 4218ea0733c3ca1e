"""The request pipeline: validate → images → ratio (and fitting) → camera → prepare →
estimate, all before anything is sent or paid for.

    p = prepare(session, GenerationRequest(prompt="a cat", ratio="16:9"))
    p.prepared          # the wire request (the dry run shows it)
    p.estimate          # what it should cost, or None

``prepare_for_submit`` adds what only a submit does: fetch an image URL that must be
fitted, and check the budget (``max_cost``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ._defaults import declared_ratio_plan, prompt_camera_plan
from ._errors import ProviderError, ValidationError
from ._models import (
    CameraPlan,
    CostEstimate,
    GenerationRequest,
    ImageRef,
    ModelInfo,
    PreparedRequest,
    RatioPlan,
)

if TYPE_CHECKING:
    from ._session import Session

__all__ = ["Prepared", "prepare", "prepare_for_submit", "resolve_model"]


@attrs.frozen
class Prepared:
    request: GenerationRequest  # images as ImageRef, idempotency key set
    model: ModelInfo
    ratio_plan: RatioPlan
    camera_plan: CameraPlan
    prepared: PreparedRequest
    estimate: CostEstimate | None
    notes: tuple[str, ...]
    needs_fetch: bool = False  # an image URL must be downloaded and fitted at submit


def resolve_model(session: Session, request: GenerationRequest) -> ModelInfo:
    from ._validation import resolve_model as resolve

    if request.model is None and session.default_model:
        request = request.evolve(model=session.default_model)
    return resolve(request, session.info)


def prepare(
    session: Session, request: GenerationRequest, fetched: ImageRef | None = None
) -> Prepared:
    """Validate and build the wire request; ``fetched``: the downloaded image URL's bytes."""
    from ._validation import validate_prompt

    if not isinstance(request, GenerationRequest):
        raise ValidationError(
            f"expected a GenerationRequest, got {type(request).__name__}",
            field="request",
            value=type(request).__name__,
            allowed="GenerationRequest",
        )
    model = resolve_model(session, request)  # applies the configured default model
    request = _with_images(session, _with_defaults(session, request, model), model, fetched)
    notes: list[str] = []
    request, ratio_plan, needs_fetch = _plan_ratio(session, request, model, notes)
    camera_plan = session.hook.translate_camera(request=request, model=model)
    if camera_plan is None:
        camera_plan = prompt_camera_plan(request, model)
    notes.extend(camera_plan.notes)
    validate_prompt(camera_plan.prompt, model)
    prepared = _build(session, request, model, ratio_plan, camera_plan, notes)
    return Prepared(
        request=request,
        model=model,
        ratio_plan=ratio_plan,
        camera_plan=camera_plan,
        prepared=prepared,
        estimate=session.hook.estimate(request=request, model=model),
        notes=tuple(notes),
        needs_fetch=needs_fetch,
    )


def _with_defaults(
    session: Session, request: GenerationRequest, model: ModelInfo
) -> GenerationRequest:
    from ._validation import validate_request

    if session.settings.options:
        # Configured defaults apply only where the chosen model declares the option.
        declared = {o.name for o in (*session.info.options, *model.options)}
        defaults = {k: v for k, v in session.settings.options.items() if k in declared}
        request = request.evolve(options={**defaults, **request.options})
    if request.model is None:
        request = request.evolve(model=model.name)
    validate_request(request, model, session.info)
    return request


def _with_images(
    session: Session, request: GenerationRequest, model: ModelInfo, fetched: ImageRef | None
) -> GenerationRequest:
    """Every image loaded (at most the model's size limit) and checked against the
    model's constraints; a key set."""
    from ._images import image_byte_limit, load_image, validate_image

    constraints = model.image
    limit = image_byte_limit(constraints)
    changes: dict[str, Any] = {}
    if request.image is not None:
        ref = fetched or load_image(request.image, "image", limit)
        changes["image"] = validate_image(ref, constraints, "image")
    if request.end_image is not None:
        changes["end_image"] = validate_image(
            load_image(request.end_image, "end_image", limit), constraints, "end_image"
        )
    if request.images:
        changes["images"] = tuple(
            validate_image(load_image(img, f"images[{i}]", limit), constraints, f"images[{i}]")
            for i, img in enumerate(request.images)
        )
    if not constraints.local_files:
        _refuse_local_images(session, request, model, changes)
    changes["idempotency_key"] = request.idempotency_key or uuid.uuid4().hex
    return request.evolve(**changes)


def _refuse_local_images(
    session: Session, request: GenerationRequest, model: ModelInfo, refs: Mapping[str, Any]
) -> None:
    """A model without an upload takes images only as URLs: say so, and which of the
    provider's models take the local file instead."""
    found = [(k, v) for k, v in refs.items() if isinstance(v, ImageRef)]
    found += [(f"images[{i}]", v) for i, v in enumerate(refs.get("images", ()))]
    for field, ref in found:
        if ref.url is not None:
            continue
        schemes = ", ".join(f"{s}://" for s in model.image.url_schemes)
        others = [
            m.name
            for m in session.info.models
            if not m.withdrawn and request.mode in m.modes and m.image.local_files
        ]
        instead = f", or use {' or '.join(others)}, which takes local files" if others else ""
        raise ValidationError(
            f"{field}: {model.name} takes images only as URLs it can fetch ({schemes}): "
            f"{session.provider_name} has no upload for it, so a local file or bytes cannot "
            f"be sent. Pass a public URL{instead}",
            field=field,
            value=ref.describe(),
            allowed=[f"{s}://..." for s in model.image.url_schemes],
        )


def _plan_ratio(
    session: Session, request: GenerationRequest, model: ModelInfo, notes: list[str]
) -> tuple[GenerationRequest, RatioPlan, bool]:
    """The ratio plan, the image fitted to it (or marked to fetch first), its notes."""
    from ._images import fit_image, validate_fitted

    ratio_plan = session.hook.map_ratio(request=request, model=model)
    if ratio_plan is None:
        ratio_plan = declared_ratio_plan(request, model)
    if ratio_plan.note:
        notes.append(ratio_plan.note)
    if ratio_plan.fit == "none" or not isinstance(request.image, ImageRef):
        return request, ratio_plan, False
    if request.image.url is not None:
        notes.append(
            f"the image URL will be downloaded and {ratio_plan.fit}ped to "
            f"{ratio_plan.fit_aspect} before sending"
        )
        return request, ratio_plan, True
    aspect = ratio_plan.fit_aspect or ""
    fitted = fit_image(request.image, aspect, ratio_plan.fit)
    checked = validate_fitted(fitted, request.image, model.image, ratio_plan.fit, aspect)
    notes.append(f"image {ratio_plan.fit}ped to {ratio_plan.fit_aspect}")
    return request.evolve(image=checked), ratio_plan, False


def _build(
    session: Session,
    request: GenerationRequest,
    model: ModelInfo,
    ratio_plan: RatioPlan,
    camera_plan: CameraPlan,
    notes: list[str],
) -> PreparedRequest:
    prepared = session.hook.prepare(
        request=request, model=model, ratio_plan=ratio_plan, camera_plan=camera_plan
    )
    if not isinstance(prepared, PreparedRequest):
        raise ProviderError(f"{session.provider_name}: prepare() returned no PreparedRequest")
    if not prepared.model:
        prepared = attrs.evolve(prepared, model=model.name)
    notes.extend(n for n in prepared.notes if n not in notes)
    # The dry run shows every note (nearest ratio, fitting, camera), not only the provider's.
    return attrs.evolve(
        prepared,
        notes=tuple(notes),
        ratio=ratio_plan.wire_value or ratio_plan.fit_aspect,
        duration=request.duration if request.duration is not None else model.default_duration,
        camera_method=camera_plan.method,
    )


async def prepare_for_submit(session: Session, request: GenerationRequest) -> Prepared:
    p = prepare(session, request)
    if p.needs_fetch:
        assert isinstance(p.request.image, ImageRef) and p.request.image.url
        from ._images import image_byte_limit

        limit = image_byte_limit(p.model.image)
        fetched = await fetch_image(session, p.request.image.url, limit)
        p = prepare(session, p.request.evolve(image=request.image), fetched=fetched)
    check_budget(session, p)
    return p


async def fetch_image(session: Session, url: str, max_bytes: int) -> ImageRef:
    """An image URL the core must crop or pad, downloaded under the input policy."""
    import httpx

    from ._fetch import FetchRefused, TooLarge, fetch_bytes
    from ._images import load_image

    shown = url.split("?")[0]
    try:
        data = await fetch_bytes(
            lambda _hop: session.downloads(), url, session.fetch_policy("input", max_bytes)
        )
    except FetchRefused as exc:
        raise ValidationError(
            f"image: refused to download {shown} to fit it: {exc.reason}",
            field="image",
            value=shown,
            allowed="a public https:// image URL (redirects to one only)",
        ) from None
    except TooLarge as exc:
        raise ValidationError(
            f"image: {shown} is larger than {exc.limit:,} bytes; nothing more was read",
            field="image",
            value=shown,
            allowed=f"at most {exc.limit:,} bytes",
        ) from None
    except httpx.HTTPError as exc:
        raise ValidationError(
            f"image: cannot download {shown} to fit it: {exc}",
            field="image",
            value=shown,
            allowed="a reachable https image URL",
        ) from None
    ref = load_image(data, "image")
    return attrs.evolve(ref, source="url", name=shown.rsplit("/", 1)[-1])


def check_budget(session: Session, p: Prepared) -> None:
    max_cost = session.limits.max_cost
    if max_cost is None:
        return
    if p.estimate is None:
        raise ValidationError(
            f"max_cost is set to ${max_cost:.2f} but the price of {p.model.name!r} is "
            "unknown; refusing to submit",
            field="max_cost",
            value=max_cost,
            allowed="a model with a known price, or no max_cost",
        )
    if p.estimate.currency != "USD":
        # max_cost is in USD; a price in another currency is not converted (no rates).
        raise ValidationError(
            f"max_cost is set to ${max_cost:.2f} (USD) but {p.model.name!r} is priced "
            f"in {p.estimate.currency} ({p.estimate.amount:.2f} {p.estimate.currency}); "
            "refusing to submit rather than compare different currencies",
            field="max_cost",
            value=max_cost,
            allowed=f"no max_cost for a price in {p.estimate.currency}",
            details={"estimate": p.estimate.to_dict()},
        )
    if p.estimate.amount > max_cost:
        raise ValidationError(
            f"estimated cost ${p.estimate.amount:.2f} ({p.estimate.formula}) exceeds "
            f"max_cost ${max_cost:.2f}",
            field="max_cost",
            value=max_cost,
            allowed=f"max_cost of at least ${p.estimate.amount:.2f} (the estimate)",
            details={"estimate": p.estimate.to_dict()},
        )
