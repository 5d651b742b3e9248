"""A local stand-in for Hugging Face's hosted inference: the Inference Providers router, the
serverless API, a dedicated endpoint, text-embeddings-inference and the Hub's model and whoami
routes. See :mod:`tests.fakehf.server`."""

from fakehf.server import MODELS, TOKEN, FakeHF, FakeHFThread, Recorded

__all__ = ["MODELS", "TOKEN", "FakeHF", "FakeHFThread", "Recorded"]
