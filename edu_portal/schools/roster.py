"""Class rosters from Excel (.xlsx) or CSV: reading the file, checking every row, and a plan
of what an import would create, link or update.

Nothing here writes to the database: :func:`plan_import` only reads, so the preview and
the confirm step run the same checks (the confirm step plans again inside its transaction,
against the data as it is then). ``schools.actions.import_roster`` carries the plan out.

One row per guardian: a student with two guardians is on two rows with the same 学号; a
guardian is identified by their mobile number, so one number with children in two classes
is one account linked to both.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from edu_portal.accounts import actions as account_actions
from edu_portal.accounts.models import GuardianLink, OrgUnit, StudentProfile, User

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 3000
# An .xlsx is a zip: 2 MB of it may unpack to 2 GB, which openpyxl would hold in memory.
# Declared sizes bind (zipfile stops reading a member at its declared size); a roster of
# MAX_ROWS rows unpacks to a few MB.
MAX_XLSX_UNPACKED_BYTES = 32 * 1024 * 1024
# Cells read per row: a sheet may declare 16384 columns, a roster has seven.
MAX_COLUMNS = 64

# Column headers as schools write them; the keys are the fields of RosterRow.
COLUMNS = {
    "grade": "年级",
    "klass": "班级",
    "number": "学号",
    "name": "学生姓名",
    "guardian_name": "监护人姓名",
    "relation": "关系",
    "phone": "手机号",
    # Optional: stored as the guardian's e-mail address (for notices by e-mail).
    "email": "邮箱",
}
REQUIRED_COLUMNS = ("number", "name")
# A few spellings met in real rosters.
HEADER_ALIASES = {
    "姓名": "name",
    "学生": "name",
    "家长姓名": "guardian_name",
    "监护人": "guardian_name",
    "与学生关系": "relation",
    "手机": "phone",
    "手机号码": "phone",
    "联系电话": "phone",
    "电话": "phone",
    "电子邮箱": "email",
    "电子邮件": "email",
    "邮件": "email",
    "email": "email",
    "e-mail": "email",
}

RELATION_WORDS = {
    "父亲": GuardianLink.Relation.FATHER,
    "爸爸": GuardianLink.Relation.FATHER,
    "母亲": GuardianLink.Relation.MOTHER,
    "妈妈": GuardianLink.Relation.MOTHER,
    "祖父": GuardianLink.Relation.PATERNAL_GRANDFATHER,
    "爷爷": GuardianLink.Relation.PATERNAL_GRANDFATHER,
    "祖母": GuardianLink.Relation.PATERNAL_GRANDMOTHER,
    "奶奶": GuardianLink.Relation.PATERNAL_GRANDMOTHER,
    "外祖父": GuardianLink.Relation.MATERNAL_GRANDFATHER,
    "外公": GuardianLink.Relation.MATERNAL_GRANDFATHER,
    "外祖母": GuardianLink.Relation.MATERNAL_GRANDMOTHER,
    "外婆": GuardianLink.Relation.MATERNAL_GRANDMOTHER,
    "其他": GuardianLink.Relation.OTHER,
    "其他监护人": GuardianLink.Relation.OTHER,
    "监护人": GuardianLink.Relation.OTHER,
}

PHONE_RE = re.compile(r"^1\d{10}$")
NUMBER_RE = re.compile(r"^[A-Za-z0-9]{1,32}$")


class RosterFileError(Exception):
    """The file as a whole cannot be read (format, encoding, headers, size)."""


@dataclass
class RosterRow:
    line: int
    grade: str = ""
    klass: str = ""
    number: str = ""
    name: str = ""
    guardian_name: str = ""
    relation: str = ""
    phone: str = ""
    email: str = ""

    def as_dict(self) -> dict:
        return {key: getattr(self, key) for key in ("line", *COLUMNS)}


@dataclass
class RowError:
    line: int
    column: str
    message: str


@dataclass
class StudentPlan:
    number: str
    name: str
    unit: OrgUnit
    user: User | None = None
    changes: list[str] = field(default_factory=list)

    @property
    def action(self) -> str:
        if self.user is None:
            return "create"
        return "update" if self.changes else "unchanged"


@dataclass
class GuardianPlan:
    phone: str
    name: str
    user: User | None = None
    # From the 邮箱 column; empty leaves an account's address as it is.
    email: str = ""
    line: int = 0
    # The account's address when planned (the summary after the import still says what
    # it changed).
    current_email: str = ""

    @property
    def action(self) -> str:
        if self.user is None:
            return "create"
        return "update" if self.email and self.email != self.current_email else "existing"


@dataclass
class LinkPlan:
    phone: str
    number: str
    relation: str
    action: str = "create"  # create | update | unchanged

    def relation_label(self) -> str:
        return str(GuardianLink.Relation(self.relation).label)


@dataclass
class Plan:
    students: dict[str, StudentPlan] = field(default_factory=dict)
    guardians: dict[str, GuardianPlan] = field(default_factory=dict)
    links: dict[tuple[str, str], LinkPlan] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def count(self, kind: str, action: str) -> int:
        items = {"students": self.students, "guardians": self.guardians, "links": self.links}
        return sum(1 for item in items[kind].values() if item.action == action)

    @property
    def summary(self) -> dict[str, int]:
        return {
            f"{kind}_{action}": self.count(kind, action)
            for kind, actions in (
                ("students", ("create", "update", "unchanged")),
                ("guardians", ("create", "update", "existing")),
                ("links", ("create", "update", "unchanged")),
            )
            for action in actions
        }

    @property
    def has_changes(self) -> bool:
        return (
            any(s.action != "unchanged" for s in self.students.values())
            or any(g.action != "existing" for g in self.guardians.values())
            or any(link.action != "unchanged" for link in self.links.values())
        )


# --- reading ---------------------------------------------------------------------------------


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel stores 学号 and phone numbers typed as numbers as floats.
        value = int(value)
    return str(value).strip().replace("\u3000", " ").strip()


def _decode(data: bytes) -> str:
    # UTF-8 (with or without BOM) first; Excel in China saves CSV as GBK, of which GB18030
    # is a superset.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterFileError(
        _("The file's text could not be read. Save it as UTF-8 or GBK CSV, or as Excel (.xlsx).")
    )


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    unreadable = _("The Excel file could not be opened. Save it again as .xlsx and upload it.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise RosterFileError(unreadable) from exc
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise RosterFileError(
            _(
                "The Excel file unpacks to more than %(size)d MB, far more than a roster needs. "
                "Save the roster alone as a new .xlsx or CSV file."
            )
            % {"size": MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)}
        )
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise RosterFileError(unreadable) from exc
    try:
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            rows.append([_cell_text(value) for value in row])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        book.close()


def _read_csv(data: bytes) -> list[list[str]]:
    text = _decode(data)
    try:
        return [[_cell_text(cell) for cell in row] for row in csv.reader(io.StringIO(text))]
    except csv.Error as exc:
        raise RosterFileError(
            _("The CSV file could not be read: %(error)s.") % {"error": exc}
        ) from exc


def read_roster(filename: str, data: bytes) -> list[RosterRow]:
    """The file's rows (without empty ones), numbered as in a spreadsheet (header is 1)."""
    if not data:
        raise RosterFileError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise RosterFileError(
            _("The file is larger than %(size)d MB. Split the roster into smaller files.")
            % {"size": MAX_BYTES // (1024 * 1024)}
        )
    name = (filename or "").lower()
    if data[:4] == b"PK\x03\x04":
        table = _read_xlsx(data)
    elif name.endswith((".xls", ".xlsx", ".xlsm")):
        raise RosterFileError(
            _("Only .xlsx Excel files can be read. Save the file as .xlsx or CSV and try again.")
        )
    else:
        table = _read_csv(data)
    while table and not any(table[0]):
        table.pop(0)
    if not table:
        raise RosterFileError(_("The file has no rows."))
    header = table[0]
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        title = title.replace(" ", "")
        key = next((k for k, v in COLUMNS.items() if v == title), None) or HEADER_ALIASES.get(
            title.lower()
        )
        if key and key not in columns:
            columns[key] = index
    missing = [COLUMNS[key] for key in REQUIRED_COLUMNS if key not in columns]
    if missing:
        raise RosterFileError(
            _(
                "The first row must name the columns. Missing: %(missing)s. Expected columns: "
                "%(expected)s."
            )
            % {"missing": "、".join(missing), "expected": "、".join(COLUMNS.values())}
        )
    rows = []
    for offset, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue
        values = {
            key: (cells[index] if index < len(cells) else "") for key, index in columns.items()
        }
        rows.append(RosterRow(line=offset, **values))
    if len(rows) > MAX_ROWS:
        raise RosterFileError(
            _("The file has more than %(max)d rows. Split it into smaller files.")
            % {"max": MAX_ROWS}
        )
    if not rows:
        raise RosterFileError(_("The file has a header row but no students."))
    return rows


def rows_from_dicts(items: list[dict]) -> list[RosterRow]:
    return [RosterRow(**item) for item in items]


# --- planning --------------------------------------------------------------------------------


def student_username(school: OrgUnit, number: str) -> str:
    return f"{school.code}-{number}".lower()


class _Classes:
    """The school's grades and classes, looked up by the names a roster uses."""

    def __init__(self, school: OrgUnit) -> None:
        self.grades = list(
            OrgUnit.objects.filter(path__startswith=school.path, kind=OrgUnit.Kind.GRADE)
        )
        self.classes = list(
            OrgUnit.objects.filter(path__startswith=school.path, kind=OrgUnit.Kind.CLASS)
        )

    def _classes_of(self, grade: OrgUnit | None) -> list[OrgUnit]:
        if grade is None:
            return self.classes
        return [c for c in self.classes if c.path.startswith(grade.path)]

    def grade(self, name: str) -> OrgUnit | None:
        return next((g for g in self.grades if g.name == name), None)

    def klass(self, grade: OrgUnit | None, name: str) -> list[OrgUnit]:
        candidates = self._classes_of(grade)
        found = [c for c in candidates if c.name == name]
        if not found and grade is not None and name.startswith(grade.name):
            # "一年级1班" in the 班级 column of grade 一年级 whose class is named "1班".
            found = [c for c in candidates if c.name == name[len(grade.name) :]]
        if not found and grade is None:
            found = [
                c
                for c in self.classes
                for g in self.grades
                if c.path.startswith(g.path) and g.name + c.name == name
            ]
        return found


def _resolve_class(
    row: RosterRow, classes: _Classes, default_class: OrgUnit | None, errors: list[RowError]
) -> OrgUnit | None:
    if not row.grade and not row.klass:
        if default_class is None:
            errors.append(
                RowError(row.line, COLUMNS["klass"], _("No class given: fill in 年级 and 班级."))
            )
        return default_class
    grade = None
    if row.grade:
        grade = classes.grade(row.grade)
        if grade is None:
            errors.append(
                RowError(
                    row.line,
                    COLUMNS["grade"],
                    _("There is no grade “%(grade)s” in this school.") % {"grade": row.grade},
                )
            )
            return None
    if not row.klass:
        errors.append(RowError(row.line, COLUMNS["klass"], _("The class is missing.")))
        return None
    found = classes.klass(grade, row.klass)
    if len(found) == 1:
        return found[0]
    if found:
        message = _("More than one class is called “%(klass)s”: fill in the 年级 column too.")
    elif grade is not None:
        message = _("There is no class “%(klass)s” in %(grade)s.")
    else:
        message = _("There is no class “%(klass)s” in this school.")
    errors.append(
        RowError(row.line, COLUMNS["klass"], message % {"klass": row.klass, "grade": grade})
    )
    return None


def _check_student(row: RosterRow, errors: list[RowError]) -> bool:
    ok = True
    if not row.number:
        errors.append(RowError(row.line, COLUMNS["number"], _("The student number is missing.")))
        ok = False
    elif not NUMBER_RE.match(row.number):
        errors.append(
            RowError(
                row.line,
                COLUMNS["number"],
                _("“%(number)s” is not a student number: use letters and digits only, at most 32.")
                % {"number": row.number},
            )
        )
        ok = False
    if not row.name:
        errors.append(RowError(row.line, COLUMNS["name"], _("The student's name is missing.")))
        ok = False
    elif len(row.name) > 80:
        errors.append(
            RowError(row.line, COLUMNS["name"], _("The name is longer than 80 characters."))
        )
        ok = False
    return ok


def parse_relation(text: str) -> str | None:
    text = text.strip()
    if text in RELATION_WORDS:
        return RELATION_WORDS[text]
    if text in GuardianLink.Relation.values:
        return text
    for choice in GuardianLink.Relation:
        if text == str(choice.label):
            return choice.value
    return None


def _check_guardian(row: RosterRow, errors: list[RowError]) -> str | None:
    """The relation code when the row's guardian columns are complete and valid."""
    ok = True
    if not row.guardian_name:
        errors.append(
            RowError(row.line, COLUMNS["guardian_name"], _("The guardian's name is missing."))
        )
        ok = False
    phone = row.phone.replace(" ", "").replace("-", "")
    if not phone:
        errors.append(
            RowError(row.line, COLUMNS["phone"], _("The guardian's mobile number is missing."))
        )
        ok = False
    elif not PHONE_RE.match(phone):
        errors.append(
            RowError(
                row.line,
                COLUMNS["phone"],
                _("“%(phone)s” is not a mobile number: it must have 11 digits and start with 1.")
                % {"phone": row.phone},
            )
        )
        ok = False
    row.phone = phone
    email = row.email.strip()
    if email:
        try:
            if len(email) > 254:
                raise ValidationError("too long")
            validate_email(email)
        except ValidationError:
            errors.append(
                RowError(
                    row.line,
                    COLUMNS["email"],
                    _("“%(email)s” is not an e-mail address.") % {"email": row.email},
                )
            )
            ok = False
        else:
            email = BaseUserManager.normalize_email(email)
    row.email = email
    relation = parse_relation(row.relation) if row.relation else None
    if relation is None:
        message = (
            _("The relation is missing.")
            if not row.relation
            else _("“%(relation)s” is not a relation we know.") % {"relation": row.relation}
        )
        errors.append(
            RowError(
                row.line,
                COLUMNS["relation"],
                message
                + " "
                + _("Use one of: %(choices)s.") % {"choices": "、".join(RELATION_WORDS)},
            )
        )
        ok = False
    return relation if ok else None


def plan_import(
    school: OrgUnit, rows: list[RosterRow], default_class: OrgUnit | None = None
) -> Plan:
    """Check every row and say what importing them would do. Reads only."""
    plan = Plan()
    classes = _Classes(school)
    first_line: dict[str, int] = {}
    guardian_rows: list[tuple[RosterRow, str]] = []
    for row in rows:
        row_errors: list[RowError] = []
        unit = _resolve_class(row, classes, default_class, row_errors)
        student_ok = _check_student(row, row_errors)
        relation = None
        if row.guardian_name or row.relation or row.phone or row.email:
            relation = _check_guardian(row, row_errors)
        if student_ok and unit is not None:
            known = plan.students.get(row.number)
            if known is None:
                plan.students[row.number] = StudentPlan(row.number, row.name, unit)
                first_line[row.number] = row.line
            elif known.name != row.name:
                row_errors.append(
                    RowError(
                        row.line,
                        COLUMNS["number"],
                        _(
                            "Student number %(number)s is also on row %(line)d with another "
                            "name (“%(other)s”)."
                        )
                        % {
                            "number": row.number,
                            "line": first_line[row.number],
                            "other": known.name,
                        },
                    )
                )
            elif known.unit.pk != unit.pk:
                row_errors.append(
                    RowError(
                        row.line,
                        COLUMNS["klass"],
                        _("Student number %(number)s is also on row %(line)d in another class.")
                        % {"number": row.number, "line": first_line[row.number]},
                    )
                )
        if relation is not None and not row_errors:
            guardian_rows.append((row, relation))
        plan.errors.extend(row_errors)

    for row, relation in guardian_rows:
        known = plan.guardians.get(row.phone)
        if known is None:
            plan.guardians[row.phone] = GuardianPlan(
                row.phone, row.guardian_name, email=row.email, line=row.line
            )
        elif row.email and known.email and row.email != known.email:
            plan.errors.append(
                RowError(
                    row.line,
                    COLUMNS["email"],
                    _(
                        "Mobile number %(phone)s has another e-mail address on row %(line)d: "
                        "one guardian has one address."
                    )
                    % {"phone": row.phone, "line": known.line},
                )
            )
            continue
        elif known.name != row.guardian_name:
            plan.errors.append(
                RowError(
                    row.line,
                    COLUMNS["guardian_name"],
                    _(
                        "Mobile number %(phone)s belongs to “%(other)s” on another row: one "
                        "number is one guardian."
                    )
                    % {"phone": row.phone, "other": known.name},
                )
            )
            continue
        if known is not None and row.email and not known.email:
            known.email = row.email
        key = (row.phone, row.number)
        link = plan.links.get(key)
        if link is not None and link.relation != relation:
            plan.errors.append(
                RowError(
                    row.line,
                    COLUMNS["relation"],
                    _("This guardian and student are on another row with another relation."),
                )
            )
        elif link is None:
            plan.links[key] = LinkPlan(row.phone, row.number, relation)

    _compare_with_database(school, plan)
    plan.errors.sort(key=lambda error: error.line)
    return plan


def _compare_with_database(school: OrgUnit, plan: Plan) -> None:
    profiles = {
        profile.student_number: profile
        for profile in StudentProfile.objects.filter(
            school=school, student_number__in=list(plan.students)
        ).select_related("user")
    }
    usernames = {student_username(school, n): n for n in plan.students}
    taken = {
        user.username: user
        for user in User.objects.filter(username__in=[*usernames, *plan.guardians])
    }
    for number, student in plan.students.items():
        profile = profiles.get(number)
        if profile is not None:
            student.user = profile.user
            if profile.user.display_name != student.name:
                student.changes.append(
                    _("name: %(old)s → %(new)s")
                    % {"old": profile.user.display_name, "new": student.name}
                )
            if profile.user.org_unit_id != student.unit.pk:
                student.changes.append(
                    _("class: %(old)s → %(new)s")
                    % {"old": profile.user.org_unit or "—", "new": student.unit}
                )
        elif student_username(school, number) in taken:
            plan.errors.append(
                RowError(
                    0,
                    COLUMNS["number"],
                    _(
                        "The account name %(username)s for student number %(number)s is "
                        "already used by another account."
                    )
                    % {"username": student_username(school, number), "number": number},
                )
            )
    for phone, guardian in plan.guardians.items():
        user = taken.get(phone)
        if user is not None:
            if hasattr(user, "student_profile"):
                plan.errors.append(
                    RowError(
                        0,
                        COLUMNS["phone"],
                        _("The account %(phone)s is a student's: it cannot be a guardian.")
                        % {"phone": phone},
                    )
                )
            elif account_actions.is_privileged_account(user):
                plan.errors.append(
                    RowError(
                        0,
                        COLUMNS["phone"],
                        _(
                            "The account %(user)s belongs to an administrator or reviewer; an "
                            "import cannot link it (the bureau can, on the pupil's page)."
                        )
                        % {"user": phone},
                    )
                )
            guardian.user = user
            guardian.current_email = user.email
    existing = {
        (link.guardian.username, link.student.student_profile.student_number): link
        for link in GuardianLink.objects.filter(
            student__student_profile__school=school,
            student__student_profile__student_number__in=list(plan.students),
            guardian__username__in=list(plan.guardians),
        ).select_related("guardian", "student__student_profile")
    }
    for key, link in plan.links.items():
        current = existing.get(key)
        if current is not None:
            link.action = "unchanged" if current.relation == link.relation else "update"
