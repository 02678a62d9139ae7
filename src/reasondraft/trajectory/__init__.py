"""Agent trajectories in many formats, read into one normalized :class:`Trajectory`."""

from reasondraft.trajectory.model import (
    Action,
    Observation,
    Stats,
    Step,
    StepKind,
    Trajectory,
    TrajectoryFormat,
)

__all__ = ["Action", "Observation", "Stats", "Step", "StepKind", "Trajectory",
           "TrajectoryFormat"]
