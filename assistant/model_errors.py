"""Known failures of a chat model call, as the assistant's own errors.

Only failures whose meaning is known are translated, each into a message that says the fix:

=========================================  ===============================================
openai / httpx                             assistant
=========================================  ===============================================
401 (``openai.AuthenticationError``)       :class:`AuthenticationError`
404 (``openai.NotFoundError``)             :class:`ModelUnavailableError` (no such model)
connection refused, reset, lost            :class:`ModelUnavailableError`
timeout                                    :class:`ModelUnavailableError`
429 and 5xx, after the client's retries    :class:`ModelUnavailableError`
other HTTP status (400, 403, 422, ...)     :class:`ModelError`
any other ``openai.APIError``              :class:`ModelError`
=========================================  ===============================================

Anything else (a ``TypeError`` in our code, a bug in a library) is not translated: it
propagates with its traceback. :class:`ModelUnavailableError` is what the assistant answers
around (with the extractive engine); the others reach the user.
"""

from __future__ import annotations

from assistant.errors import AuthenticationError, ModelError, ModelUnavailableError
from assistant.redact import mask_url

__all__ = ["translate_model_error"]


# the settings a message names, by the kind of model called
_SETTINGS = {
    "chat": {"url": "OPENAI_BASE_URL", "model": "ASSISTANT_OPENAI_MODEL", "what": "model"},
    "embeddings": {"url": "ASSISTANT_EMBEDDING_BASE_URL (or OPENAI_BASE_URL)",
                   "model": "ASSISTANT_EMBEDDING_MODEL", "what": "embeddings"},
}


def translate_model_error(
    exc: BaseException, *, url: str, model: str, kind: str = "chat"
) -> ModelError | None:
    """The assistant's error for a known failure of a call to the model ``model`` at ``url``,
    or None when ``exc`` is not a known model failure (the caller re-raises it). ``kind``
    ("chat" or "embeddings") picks the settings the message names. The URL is shown with
    its credentials masked (:func:`assistant.redact.mask_url`)."""
    import httpx
    import openai

    names = _SETTINGS.get(kind, _SETTINGS["chat"])
    url = mask_url(url) if url else f"the {names['what']} server"
    if isinstance(exc, openai.AuthenticationError):
        return AuthenticationError(
            f"the server at {url} rejected the API key; set OPENAI_API_KEY "
            f"(or ASSISTANT_OPENAI_API_KEY) to a valid key"
        )
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
        return ModelUnavailableError(
            f"the model at {url} did not answer in time; raise ASSISTANT_REQUEST_TIMEOUT "
            f"or use a smaller model"
        )
    if isinstance(exc, openai.APIConnectionError | httpx.TransportError):
        return ModelUnavailableError(
            f"cannot reach the {names['what']} server at {url}; start it, or check {names['url']}"
        )
    if isinstance(exc, openai.NotFoundError):
        return ModelUnavailableError(
            f"the server at {url} has no model {model!r}; set {names['model']} "
            f"to one it serves"
        )
    if isinstance(exc, openai.RateLimitError):
        return ModelUnavailableError(
            f"the server at {url} is rate limiting requests and retries did not help; "
            f"wait and try again, or raise ASSISTANT_MAX_RETRIES"
        )
    if isinstance(exc, openai.APIStatusError | httpx.HTTPStatusError):
        status = exc.status_code if isinstance(exc, openai.APIStatusError) else exc.response.status_code
        message = exc.message if isinstance(exc, openai.APIStatusError) else str(exc)
        error = ModelUnavailableError if status >= 500 or status == 429 else ModelError
        return error(f"the {names['what']} server at {url} failed ({status}): {message}")
    if isinstance(exc, openai.APIError):
        return ModelError(f"the {names['what']} server at {url} failed: {exc}")
    return None
