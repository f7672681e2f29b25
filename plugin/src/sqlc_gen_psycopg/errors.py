"""The one error the plugin raises: a message a person can act on."""


class PluginError(Exception):
    """Code generation cannot continue; the message names the query, its file and the fix."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages

    @classmethod
    def one(cls, message: str) -> "PluginError":
        return cls([message])
