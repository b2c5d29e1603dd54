"""hoitin — ask the news: cited answers from a corpus of Vietnamese news articles.

The public API is the names below; everything else is internal and may change.
"""

from assistant.assistant import Assistant
from assistant.errors import (
    AssistantError,
    AuthenticationError,
    ConfigError,
    CorpusError,
    IngestError,
    ModelError,
    ModelUnavailableError,
    PromptError,
    QuestionError,
    StoreError,
    StoreUnavailableError,
)
from assistant.retrieval import Filters
from assistant.settings import Settings
from assistant.types import Answer, ChatMessage, Citation, IngestReport, Passage

__version__ = "0.1.0"

__all__ = [
    "Answer",
    "Assistant",
    "AssistantError",
    "AuthenticationError",
    "ChatMessage",
    "Citation",
    "ConfigError",
    "CorpusError",
    "Filters",
    "IngestError",
    "IngestReport",
    "ModelError",
    "ModelUnavailableError",
    "Passage",
    "PromptError",
    "QuestionError",
    "Settings",
    "StoreError",
    "StoreUnavailableError",
    "__version__",
]
