"""``translate_camera`` for Kling: native ``camera_control`` on the two combinations the
capability map allows, prompt phrasing everywhere else."""

from __future__ import annotations

from framecast import CameraMove, CameraPlan, GenerationRequest, prompt_camera_plan

from ._camera import AXES, native_control
from ._capabilities import MODELS
from ._plan import Plan

__all__ = ["plan_camera"]


def _native_combinations() -> str:
    return "; ".join(
        f"{m.name} {c.endpoint} {c.mode} {c.duration} s" for m in MODELS for c in m.camera
    )


def _compose(request: GenerationRequest, camera: CameraMove | None) -> str:
    return prompt_camera_plan(request.evolve(camera=camera)).prompt


def plan_camera(request: GenerationRequest, plan: Plan) -> CameraPlan:
    camera = request.camera
    phrased = _compose(request, camera)  # also refuses an ambiguous 'Camera:' clause
    if camera is None:
        return CameraPlan(prompt=phrased, method="none")
    offer = plan.model.camera_offer(plan.endpoint, plan.mode, plan.duration) if plan.model else None
    notes: list[str] = []
    if offer is not None and camera in AXES:
        if not plan.with_tail:
            control = native_control(camera, request.camera_strength)
            assert control is not None
            axis, value = next((k, v) for k, v in control["config"].items() if v)
            return CameraPlan(
                prompt=_compose(request, None),
                method="native",
                native=control,
                notes=(f"camera {camera.value}: Kling camera_control simple, {axis} {value}",),
            )
        notes.append(
            f"camera {camera.value} phrased in the prompt: Kling's camera_control cannot be "
            "combined with an end frame (image_tail)"
        )
    elif camera in AXES:
        notes.append(
            f"camera {camera.value} phrased in the prompt: Kling's native camera_control is "
            f"offered only on {_native_combinations()}"
        )
    if camera is not CameraMove.STATIC:
        notes.append(f"camera_strength {request.camera_strength} ignored by prompt phrasing")
    return CameraPlan(prompt=phrased, method="prompt", notes=tuple(notes))
