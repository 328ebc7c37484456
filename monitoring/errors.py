"""Errors the CLI turns into one-line messages and exit statuses."""


class MonitoringError(Exception):
    """Base class: the message is complete and safe to print as it is."""


class DefinitionError(MonitoringError):
    """A definition is invalid: the message names the object, the field and the value.

    Not a ValueError on purpose: pydantic would wrap a ValueError again and lose the message.
    """


class StackLoadError(MonitoringError):
    """The stack could not be imported or is not a Stack."""


class ToolMissingError(MonitoringError):
    """promtool, amtool or a server binary could not be found."""


class InputFileError(MonitoringError):
    """An input file (a rule file, prometheus.yml, alertmanager.yml, dashboard JSON) cannot be used.

    The message starts with 'file:line:' and names the field.
    """
