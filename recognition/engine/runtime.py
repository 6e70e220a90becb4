"""The onnxruntime session options every network of the engine runs with (RetinaFace, the fast encoder)."""

from __future__ import annotations

from typing import Any

__all__ = ["onnx_session"]


def onnx_session(model: bytes, threads: int) -> Any:
    """An onnxruntime CPU session of ``model`` (ONNX bytes) on ``threads`` intra-op threads."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Worker threads that spin while waiting steal cores from the other camera and gallery processes.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])
