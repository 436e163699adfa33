"""Parallel tool calls with LLM APIs: the course package.

Learners mostly need :func:`course.clients.openai_client`, :func:`course.clients.anthropic_client`
and :func:`course.replay.session_of`; the rest serves the lessons and the graders.
"""

__version__ = "0.1.0"
