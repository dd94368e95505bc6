"""Folder names → taxonomy: heuristics for the names Chinese archives use (小学/初中/高中,
八年级/初二, 数学, 人教版, 中央电教馆资源, 第一单元, 第3课), overridden by a mapping file
(TOML or JSON, see ``deploy/import-mapping.example.toml``)."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError

from catalog import actions
from catalog.models import Licence, Resource
from catalog.taxonomy import GRADES, Collection, Edition, Stage, Subject, TextbookNode
from edu_portal.access import Visibility

K = Resource.Kind


class ImportAbort(Exception):
    """Nothing was imported: the command line or the mapping file is wrong."""


class MappingError(ImportAbort):
    pass


FIELDS = ("stage", "grade", "subject", "edition", "collection", "visibility", "tags", "kind")
MAPPING_FIELDS = (*FIELDS, "licence")
STAGE_WORDS = (
    ("初级中学", Stage.JUNIOR),
    ("高级中学", Stage.SENIOR),
    ("小学", Stage.PRIMARY),
    ("初中", Stage.JUNIOR),
    ("高中", Stage.SENIOR),
)
SUBJECT_ALIASES = {
    "道法": "morality",
    "品德": "morality",
    "思品": "morality",
    "政治": "politics",
    "信息科技": "it",
    "体育": "pe",
    "心理": "psychology",
}
EDITION_ALIASES = {"部编": "pep", "统编": "pep", "人教": "pep", "北师": "bnu", "外研": "fltrp"}
DIGITS = {char: value for value, char in enumerate("零一二三四五六七八九")} | {"〇": 0}
_NUM = r"[零〇一二三四五六七八九十百\d]+"
GRADE_RE = re.compile(r"([一二三四五六七八九]|1[0-2]|[1-9])\s*年级")
SHORT_GRADE_RE = re.compile(r"(初|高)([一二三])")
UNIT_RE = re.compile(rf"第\s*({_NUM})\s*单元|^unit\s*(\d+)", re.IGNORECASE)
LESSON_RE = re.compile(rf"第\s*({_NUM})\s*课|^lesson\s*(\d+)", re.IGNORECASE)
TERMS = ("上册", "下册")
DECISIVE = ("stage", "grade", "subject", "edition", "collection")


def chinese_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if "百" in text:
        return None
    if "十" in text:
        tens, _sep, units = text.partition("十")
        return (DIGITS[tens] if tens else 1) * 10 + (DIGITS[units] if units else 0)
    value = 0
    for char in text:
        value = value * 10 + DIGITS[char]
    return value


def _number(match: re.Match) -> int | None:
    return chinese_number(match.group(1) or match.group(2))


@dataclass
class Mapping:
    defaults: dict = field(default_factory=dict)
    folders: dict[str, dict] = field(default_factory=dict)
    paths: list[tuple[tuple[str, ...], dict]] = field(default_factory=list)


def _split(path: str) -> tuple[str, ...]:
    return tuple(part for part in re.split(r"[/\\]+", path.strip()) if part and part != ".")


def _clean_rule(where: str, rule: object, errors: list[str]) -> dict:
    if not isinstance(rule, dict):
        errors.append(f"{where}: expected a table of fields, got {rule!r}")
        return {}
    cleaned: dict = {}
    for name, value in rule.items():
        problem = None
        if name == "stage":
            problem = None if value in Stage.values else f"one of {', '.join(Stage.values)}"
        elif name == "grade":
            problem = None if value in GRADES else "a grade number from 1 to 12"
        elif name == "visibility":
            problem = None if value in Visibility.values else f"one of {Visibility.values}"
        elif name == "kind":
            problem = None if value in K.values else f"one of {', '.join(K.values)}"
        elif name == "licence":
            problem = None if value in Licence.values else f"one of {', '.join(Licence.values)}"
        elif name == "tags":
            ok = isinstance(value, list) and all(isinstance(tag, str) for tag in value)
            problem = None if ok else "a list of words"
        elif name in ("subject", "edition", "collection"):
            model, key = {
                "subject": (Subject, "code"),
                "edition": (Edition, "code"),
                "collection": (Collection, "slug"),
            }[name]
            found = model.objects.filter(**{key: value}).first() if isinstance(value, str) else None
            if found is None:
                known = ", ".join(model.objects.values_list(key, flat=True))
                problem = f"a known {name} code ({known})"
            value = found
        else:
            errors.append(f"{where}: unknown field {name!r} (use {', '.join(MAPPING_FIELDS)})")
            continue
        if problem:
            shown = value if name not in ("subject", "edition", "collection") else rule[name]
            errors.append(f"{where}: {name} {shown!r} is not valid: expected {problem}")
        else:
            cleaned[name] = value
    return cleaned


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file (TOML, or JSON when it ends in .json); every problem
    is listed in one :class:`MappingError` before anything is imported."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise MappingError(f"cannot read the mapping file {path}: {error.strerror}") from error
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as error:
        raise MappingError(f"the mapping file {path} is not valid: {error}") from error
    errors: list[str] = []
    if not isinstance(data, dict):
        raise MappingError(f"the mapping file {path} must hold a table")
    for key in set(data) - {"defaults", "folders", "paths"}:
        errors.append(f"unknown section [{key}] (use [defaults], [folders] and [paths])")
    mapping = Mapping(defaults=_clean_rule("[defaults]", data.get("defaults", {}), errors))
    for section in ("folders", "paths"):
        table = data.get(section, {})
        if not isinstance(table, dict):
            errors.append(f"[{section}] must be a table")
            continue
        for key, rule in table.items():
            cleaned = _clean_rule(f'[{section}."{key}"]', rule, errors)
            if section == "folders":
                mapping.folders[key.strip()] = cleaned
            else:
                mapping.paths.append((_split(key), cleaned))
    if errors:
        raise MappingError(f"problems in the mapping file {path}:\n  " + "\n  ".join(errors))
    mapping.paths.sort(key=lambda item: len(item[0]))
    return mapping


class Resolver:
    """Taxonomy and tags for a folder path, computed once per folder."""

    def __init__(self, mapping: Mapping, defaults: dict) -> None:
        self.mapping = mapping
        self.defaults = defaults
        subjects = {subject.code: subject for subject in Subject.objects.all()}
        self.subjects = {subject.name: subject for subject in subjects.values()}
        for alias, code in SUBJECT_ALIASES.items():
            if code in subjects:
                self.subjects.setdefault(alias, subjects[code])
        editions = {edition.code: edition for edition in Edition.objects.all()}
        self.editions = {}
        for edition in editions.values():
            self.editions[edition.name] = edition
            if edition.name.endswith("版") and len(edition.name) > 2:
                self.editions[edition.name[:-1]] = edition
        for alias, code in EDITION_ALIASES.items():
            if code in editions:
                self.editions.setdefault(alias, editions[code])
        self.collections = list(Collection.objects.all())
        self._cache: dict[tuple[str, ...], tuple[dict, list[str]]] = {}
        self._nodes: dict[tuple, TextbookNode | None] = {}

    @staticmethod
    def _longest(name: str, table: dict):
        for word in sorted(table, key=len, reverse=True):
            if word in name:
                return table[word]
        return None

    def heuristics(self, name: str) -> dict:
        found: dict = {}
        for word, stage in STAGE_WORDS:
            if word in name:
                found["stage"] = stage
                break
        if match := GRADE_RE.search(name):
            found["grade"] = chinese_number(match.group(1))
            found["grade_in_stage"] = True
        elif match := SHORT_GRADE_RE.search(name):
            found["grade"] = DIGITS[match.group(2)] + (6 if match.group(1) == "初" else 9)
        if subject := self._longest(name, self.subjects):
            found["subject"] = subject
        if edition := self._longest(name, self.editions):
            found["edition"] = edition
        for collection in self.collections:
            if collection.name in name or name.lower() == collection.slug:
                found["collection"] = collection
        if match := UNIT_RE.search(name):
            found["unit"] = _number(match)
        if match := LESSON_RE.search(name):
            found["lesson"] = _number(match)
        for term in TERMS:
            if term in name:
                found["term"] = term
        return found

    def resolve(self, folders: tuple[str, ...]) -> tuple[dict, list[str]]:
        cached = self._cache.get(folders)
        if cached is None:
            cached = self._cache[folders] = self._resolve(folders)
        return dict(cached[0]), list(cached[1])

    def _resolve(self, folders: tuple[str, ...]) -> tuple[dict, list[str]]:
        fields = {**self.mapping.defaults, **self.defaults}
        tags: list[str] = list(fields.pop("tags", []))
        mapped = [False] * len(folders)
        found_here: dict = {}
        per_folder = [self.heuristics(name) for name in folders]
        for found in per_folder:
            if found.get("term"):
                tags.append(found["term"])
            for key, value in found.items():
                found_here.setdefault(key, value)  # the outermost folder decides
        for i, found in enumerate(per_folder):
            # A folder is mapped when it says something that was taken; "化学与生活" in a
            # 数学 folder stays a tag.
            mapped[i] = any(found[key] == found_here[key] for key in set(found) & set(DECISIVE))
        if found_here.get("grade_in_stage") and found_here.get("grade", 9) <= 3:
            # "初中/二年级" counts within the stage.
            offset = {Stage.JUNIOR: 6, Stage.SENIOR: 9}.get(found_here.get("stage"), 0)
            found_here["grade"] += offset
        for key in ("stage", "grade", "subject", "edition", "collection"):
            if key in found_here:
                fields[key] = found_here[key]
        for i, rule in [(i, self.mapping.folders.get(name)) for i, name in enumerate(folders)]:
            if rule is not None:
                mapped[i] = True
                self._apply(fields, tags, rule)
        for prefix, rule in self.mapping.paths:
            if folders[: len(prefix)] == prefix:
                mapped[: len(prefix)] = [True] * len(prefix)
                self._apply(fields, tags, rule)
        node = self._node(fields, found_here)
        if node is not None:
            fields["textbook_node"] = node
            for i, name in enumerate(folders):
                if UNIT_RE.search(name) or LESSON_RE.search(name):
                    mapped[i] = True
        tags += [name for i, name in enumerate(folders) if not mapped[i]]
        return fields, list(dict.fromkeys(tags))

    @staticmethod
    def _apply(fields: dict, tags: list[str], rule: dict) -> None:
        for key, value in rule.items():
            if key == "tags":
                tags.extend(value)
            else:
                fields[key] = value
        if "grade" in rule and "stage" not in rule:
            fields.pop("stage", None)  # the stage follows the grade given
        grade = fields.get("grade")
        if "stage" in rule and "grade" not in rule and grade and GRADES[grade][0] != rule["stage"]:
            fields.pop("grade")

    def _node(self, fields: dict, found: dict) -> TextbookNode | None:
        """The unit (or lesson) of an existing textbook tree the folders name, if exactly one."""
        unit = found.get("unit")
        if unit is None or not all(fields.get(key) for key in ("edition", "subject", "grade")):
            return None
        key = (
            fields["edition"].pk,
            fields["subject"].pk,
            fields["grade"],
            found.get("term"),
            unit,
            found.get("lesson"),
        )
        if key not in self._nodes:
            self._nodes[key] = self._find_node(*key)
        return self._nodes[key]

    @staticmethod
    def _find_node(edition, subject, grade, term, unit, lesson) -> TextbookNode | None:
        def numbered(nodes, pattern, number):
            return [
                node
                for node in nodes
                if (match := pattern.search(node.name)) and _number(match) == number
            ]

        books = TextbookNode.objects.filter(
            kind=TextbookNode.Kind.BOOK, edition_id=edition, subject_id=subject, grade=grade
        )
        if term:
            books = [book for book in books if term in book.name] or list(books)
        units = [
            node
            for book in books
            for node in numbered(book.get_children(), UNIT_RE, unit)
            if node.kind == TextbookNode.Kind.UNIT
        ]
        if len(units) != 1:
            return None
        if lesson is not None:
            lessons = numbered(units[0].get_children(), LESSON_RE, lesson)
            if len(lessons) == 1:
                return lessons[0]
        return units[0]


def title_for(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return " ".join(stem.replace("_", " ").split())[:200] or name[:200]


def clean_fields(fields: dict) -> tuple[dict, list[str]]:
    """Taxonomy that agrees with itself; what had to be left out, in words."""
    notes = []
    taxonomy = {
        key: fields[key]
        for key in ("textbook_node", "grade", "subject", "edition", "stage")
        if fields.get(key)
    }
    for drop in (None, "textbook_node", "subject", "grade", "stage"):
        if drop and taxonomy.pop(drop, None) is not None:
            notes.append(f"{drop.replace('_', ' ')} left out (it did not fit the rest)")
        try:
            cleaned = actions.clean_taxonomy(dict(taxonomy))
            break
        except ValidationError:
            continue
    else:
        cleaned = {}
    return {key: value for key, value in cleaned.items() if value}, notes
