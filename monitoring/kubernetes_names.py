"""Kubernetes' name rules (DNS-1123 names, label keys and values), as the API server applies them.

A leaf module: the model checks names with these when a definition is built, and `validate` checks the
resources in out/kubernetes with the same rules without importing the model.
"""

from __future__ import annotations

import re

_DNS_LABEL = re.compile(r"\A[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\Z")
_DNS_SUBDOMAIN = re.compile(r"\A[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\Z")
_LABEL_NAME_PART = re.compile(r"\A[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?\Z")
_LABEL_VALUE = re.compile(r"\A(?:[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?)?\Z")
MAX_NAME = 63


def check_name(text: str) -> str:
    """A DNS-1123 label: namespaces, Services, ports by name; lower case, digits and '-', at most 63."""
    if len(text) > MAX_NAME or not _DNS_LABEL.match(text):
        raise ValueError(f"Kubernetes name {text!r} must be a DNS-1123 label: at most {MAX_NAME} lower-case "
                         "letters, digits or '-', starting and ending with a letter or digit")
    return text


def check_object_name(text: str) -> str:
    """A DNS-1123 subdomain as most object names are, kept to 63 characters so that it can be a label value too."""
    if len(text) > MAX_NAME or not _DNS_SUBDOMAIN.match(text):
        raise ValueError(f"Kubernetes object name {text!r} must be at most {MAX_NAME} lower-case letters, digits, "
                         "'-' or '.', starting and ending with a letter or digit")
    return text


def check_label_key(text: str) -> str:
    """A label key: an optional DNS-1123 subdomain prefix and '/', then a name of at most 63 characters."""
    prefix, _, name = text.rpartition("/")
    if (prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix))) or len(name) > MAX_NAME \
            or not _LABEL_NAME_PART.match(name):
        raise ValueError(f"Kubernetes label key {text!r} must be [prefix/]name, the name at most {MAX_NAME} "
                         "letters, digits, '-', '_' or '.', starting and ending with a letter or digit")
    return text


def check_label_value(text: str) -> str:
    if len(text) > MAX_NAME or not _LABEL_VALUE.match(text):
        raise ValueError(f"Kubernetes label value {text!r} must be at most {MAX_NAME} letters, digits, '-', '_' "
                         "or '.', starting and ending with a letter or digit")
    return text


_PORT_NAME = re.compile(r"\A[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*\Z")  # no leading, trailing or double '-'
MAX_PORT_NAME = 15


def check_port_name(text: str) -> str:
    """A container port's name, an IANA service name (IsValidPortName): at most 15 lower-case letters, digits or
    '-', at least one letter, no '-' at either end nor two in a row. A pod's ports are selected by it."""
    if len(text) > MAX_PORT_NAME or not _PORT_NAME.match(text) or not any(c.isalpha() for c in text):
        raise ValueError(f"container port name {text!r} must be an IANA service name: at most {MAX_PORT_NAME} "
                         "lower-case letters, digits or '-', at least one letter, no '-' at either end nor two "
                         "in a row")
    return text
