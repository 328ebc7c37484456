"""Lexemes as Prometheus' lexer reads them: a string of any quoting, a number (a duration is one: 5m) and a word
(a name, a keyword or a function). The splitting of long expressions and the cutting of names out of a text
(`cuts`) read an expression at the same ones."""

STRING = r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`]*`"""
NUMBER = r"(?:0[xX][0-9a-fA-F]+|[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)[a-zA-Z0-9_]*"
WORD = r"[a-zA-Z_:][a-zA-Z0-9_:.]*"
