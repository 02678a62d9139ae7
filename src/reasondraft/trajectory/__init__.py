"""Agent trajectories in many formats, read into one normalized :class:`Trajectory`.

``load_trajectory(path, instance_id=None)`` detects the format from the content;
``summarize`` gives what ``reasondraft inspect`` shows; ``to_atif`` writes Harbor's ATIF.
"""

from reasondraft.trajectory.atif import to_atif
from reasondraft.trajectory.detect import load_trajectory
from reasondraft.trajectory.model import (
    Action,
    Observation,
    Stats,
    Step,
    StepKind,
    Trajectory,
    TrajectoryFormat,
)
from reasondraft.trajectory.summary import summarize

__all__ = ["Action", "Observation", "Stats", "Step", "StepKind", "Trajectory",
           "TrajectoryFormat", "load_trajectory", "summarize", "to_atif"]
