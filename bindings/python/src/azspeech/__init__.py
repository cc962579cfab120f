"""Azure AI Speech from Python, through the azspeech core component (WebAssembly).

    import azspeech
    speech = azspeech.from_env()
    speech.synthesize_to_file("Hello.", "hello.wav")
    print(speech.recognize_file("hello.wav").text)

The core resolves the configuration, plans every request, frames and parses the protocol, and
decides reconnects, replay and pacing; this package moves bytes (see `_sessions`).
"""

from ._sessions import Event
from ._speech import Speech, Transcript, from_env
from .errors import (
    AudioError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    CredentialError,
    ForbiddenError,
    NotImplementedInCoreError,
    ProtocolError,
    SpeechError,
    ThrottledError,
    TransientError,
)

__all__ = [
    "AudioError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "CredentialError",
    "Event",
    "ForbiddenError",
    "NotImplementedInCoreError",
    "ProtocolError",
    "Speech",
    "SpeechError",
    "ThrottledError",
    "Transcript",
    "TransientError",
    "from_env",
]
