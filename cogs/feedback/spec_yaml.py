"""YAML spec documents, read with bounds: nesting at most `max_nesting` deep, merge keys (`<<`)
expanding to at most `max_merged_pairs` pairs.

Its own module so that PyYAML is imported when a YAML document is first read (`spec_parser`
imports this module there), not when the bot starts: most specs are JSON.
"""

from __future__ import annotations

from typing import Any

import yaml

# What a document that is not YAML raises.
YAMLError = yaml.YAMLError

_MERGE_TAG = "tag:yaml.org,2002:merge"
_VALUE_TAG = "tag:yaml.org,2002:value"
_STR_TAG = "tag:yaml.org,2002:str"


class NestingTooDeep(Exception):
    """The document nests deeper than allowed."""


class TooManyMergedPairs(Exception):
    """The document's merge keys expand to more pairs than allowed."""


def load_bounded(text: str, *, max_nesting: int, max_merged_pairs: int) -> Any:
    """The document's plain data (a SafeLoader: never arbitrary Python objects).

    Raises YAMLError, ValueError (a value Python can't build), RecursionError (a chain of
    merges too long), NestingTooDeep or TooManyMergedPairs.
    """
    loader = _NestingBoundLoader(text, max_nesting, max_merged_pairs)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


class _NestingBoundLoader(yaml.SafeLoader):
    """SafeLoader whose (recursive) composer refuses nodes nested deeper than the bound.

    The scanner and parser are iterative and the safe constructor fills collections from a
    queue, so bounding the composer bounds the load; merge keys get a budget of their own.
    """

    def __init__(self, stream: str, max_nesting: int, max_merged_pairs: int) -> None:
        super().__init__(stream)
        self._depth = 0
        self._max_nesting = max_nesting
        self._merged_pairs = 0
        self._max_merged_pairs = max_merged_pairs

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > self._max_nesting:
                raise NestingTooDeep()
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        """Expand merge keys (`<<: *base`) within the budget of merged pairs.

        Each alias is cheap to write but copies every pair of what it names, so a chain of
        merges costs quadratic time; the budget keeps a small document from taking minutes.
        """
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        own: list[tuple[yaml.Node, yaml.Node]] = []
        for key, value in node.value:
            if key.tag == _MERGE_TAG:
                sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
                # Earlier sources win over later ones, and the mapping's own keys over all:
                # the last pair of a key wins when the mapping is built.
                for source in reversed(sources):
                    if not isinstance(source, yaml.MappingNode):
                        raise yaml.constructor.ConstructorError(
                            problem="a merge key (<<) takes a mapping or a list of mappings",
                            problem_mark=source.start_mark,
                        )
                    self.flatten_mapping(source)
                    self._merged_pairs += len(source.value)
                    if self._merged_pairs > self._max_merged_pairs:
                        raise TooManyMergedPairs()
                    merged.extend(source.value)
            else:
                if key.tag == _VALUE_TAG:  # the "=" key is an ordinary string here
                    key.tag = _STR_TAG
                own.append((key, value))
        if merged:
            node.value = merged + own
