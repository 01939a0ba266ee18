"""Parser and model for the compact Kafka schema notation (kafka-schemas.txt).

A message starts with
    ## NameRequest key=N valid=A-B flex=F+        (or flex=none)
followed by one field per line, nested struct fields indented by two spaces:
    Name:type vX+ [nullX+] [TAGn@X+] [def=VALUE]
Versions are written vX+ (X and later), vX-Y or vX (exactly X). Types are
int8/16/32/64, uint16/32, float64, bool, uuid, string, bytes, records, a
struct name, or []T for an array of T. A line "[struct Name]" defines a
struct shared by several fields of the message; fields of that type then
have no nested lines of their own. Lines starting with "# " are comments.

Used by gen_messages.py; standard library only.
"""

import re

INF = 1 << 15  # "and later": above every int16 version

PRIMITIVES = {
    "int8", "int16", "int32", "int64", "uint16", "uint32", "float64", "bool",
    "uuid", "string", "bytes", "records",
}

CPP_KEYWORDS = {
    "auto", "bool", "break", "case", "char", "class", "const", "continue",
    "default", "delete", "do", "double", "else", "enum", "explicit", "float",
    "for", "friend", "goto", "if", "int", "long", "namespace", "new",
    "operator", "private", "protected", "public", "register", "return",
    "short", "signed", "sizeof", "static", "struct", "switch", "template",
    "this", "throw", "try", "typedef", "union", "unsigned", "using",
    "virtual", "void", "volatile", "while",
}


class SchemaError(Exception):
  pass


def snake_case(name):
  """CamelCase or camelCase to snake_case (V3AndBelow -> v3_and_below)."""
  s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
  s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
  s = s.lower()
  return s + "_" if s in CPP_KEYWORDS else s


def parse_range(text, prefix):
  """'v3+' -> (3, INF); 'v0-3' -> (0, 3); 'v2' -> (2, 2)."""
  m = re.fullmatch(prefix + r"(\d+)(\+|-(\d+))?", text)
  if not m:
    raise SchemaError("bad version range %r" % text)
  lo = int(m.group(1))
  if m.group(2) == "+":
    return (lo, INF)
  if m.group(3) is not None:
    return (lo, int(m.group(3)))
  return (lo, lo)


def intersect(a, b):
  if a is None or b is None:
    return None
  lo, hi = max(a[0], b[0]), min(a[1], b[1])
  return (lo, hi) if lo <= hi else None


def contains(rng, v):
  return rng is not None and rng[0] <= v <= rng[1]


class Field(object):
  """One field of a struct, as written in the schema."""

  def __init__(self, name, type_text, versions, nullable, tag, tag_versions,
               default, line):
    self.name = name
    self.cname = snake_case(name)
    self.is_array = type_text.startswith("[]")
    self.elem = type_text[2:] if self.is_array else type_text
    self.versions = versions
    self.nullable = nullable  # range or None
    self.tag = tag  # int or None
    self.tag_versions = tag_versions
    self.default = default  # raw text or None
    self.line = line
    self.children = []  # nested field lines (define struct `elem`)

  @property
  def is_struct(self):
    return self.elem not in PRIMITIVES

  def present(self, served):
    """Versions (within `served`) in which this field is on the wire."""
    rng = intersect(self.versions, served)
    if self.tag is not None:
      rng = intersect(rng, self.tag_versions)
    return rng

  def nullable_in(self, served):
    """Versions (within the field's presence) in which it may be null."""
    if self.elem == "records" and not self.is_array:
      return self.present(served)
    return intersect(self.nullable, self.present(served))


class Struct(object):

  def __init__(self, name, fields):
    self.name = name
    self.fields = fields


class Message(object):
  """A request or response: its top-level fields and all its structs."""

  def __init__(self, name, api_key, valid, flex):
    self.name = name  # e.g. ProduceRequest
    self.api_key = api_key
    self.valid = valid
    self.flex = flex  # first flexible version or None
    self.fields = []
    self.structs = {}  # name -> Struct (named and common structs)

  @property
  def api_name(self):
    return re.sub(r"(Request|Response)$", "", self.name)

  def is_flexible(self, v):
    return self.flex is not None and v >= self.flex


def _parse_field(text, line_no):
  m = re.fullmatch(r"(\w+):(\S+)((?: \S+)*?)(?: def=(.*))?", text)
  if not m:
    raise SchemaError("line %d: cannot parse %r" % (line_no, text))
  name, type_text, rest, default = m.groups()
  versions = nullable = tag = tag_versions = None
  for token in rest.split():
    if token.startswith("null"):
      nullable = parse_range(token, "null")
    elif token.startswith("TAG"):
      tm = re.fullmatch(r"TAG(\d+)@(.+)", token)
      if not tm:
        raise SchemaError("line %d: bad tag %r" % (line_no, token))
      tag = int(tm.group(1))
      tag_versions = parse_range(tm.group(2), "")
    elif token.startswith("v"):
      versions = parse_range(token, "v")
    else:
      raise SchemaError("line %d: unknown token %r" % (line_no, token))
  if versions is None:
    raise SchemaError("line %d: field %s has no versions" % (line_no, name))
  return Field(name, type_text, versions, nullable, tag, tag_versions,
               default, line_no)


def _register_struct(msg, name, fields, line_no):
  old = msg.structs.get(name)
  if old is not None and old.fields and fields:
    raise SchemaError("line %d: struct %s defined twice in %s" %
                      (line_no, name, msg.name))
  if old is None or not old.fields:
    msg.structs[name] = Struct(name, fields)


def _finish(msg, items, line_no):
  """Turns the parsed tree into fields and structs; checks struct types."""

  def walk(fields):
    for f in fields:
      if f.children:
        if not f.is_struct:
          raise SchemaError("line %d: %s has nested fields but type %s" %
                            (f.line, f.name, f.elem))
        walk(f.children)
        _register_struct(msg, f.elem, f.children, f.line)

  walk(msg.fields)
  for name, fields in items:
    walk(fields)
    _register_struct(msg, name, fields, line_no)

  def check(fields):
    for f in fields:
      if f.is_struct and f.elem not in msg.structs:
        raise SchemaError("line %d: unknown struct %s in %s" %
                          (f.line, f.elem, msg.name))
      check(f.children)

  check(msg.fields)
  for s in list(msg.structs.values()):
    check(s.fields)


def parse_schemas(text):
  """Parses schema text; returns {message name: Message}."""
  messages = {}
  msg = None
  stack = []  # (depth, Field or ("struct", name, fields))
  common = []  # [(name, fields)] for "[struct X]" blocks of `msg`
  for line_no, raw in enumerate(text.splitlines(), 1):
    if not raw.strip() or raw.startswith("# "):
      continue
    if raw.startswith("## "):
      if msg is not None:
        _finish(msg, common, line_no)
      m = re.fullmatch(r"## (\w+) key=(\S+) valid=(\S+) flex=(\S+)", raw)
      if not m:
        raise SchemaError("line %d: bad header %r" % (line_no, raw))
      name, key, valid, flex = m.groups()
      msg = Message(name, None if key == "None" else int(key),
                    parse_range("v" + valid, "v"),
                    None if flex == "none" else parse_range("v" + flex, "v")[0])
      messages[name] = msg
      stack, common = [], []
      continue
    if msg is None:
      raise SchemaError("line %d: field outside a message" % line_no)
    indent = len(raw) - len(raw.lstrip(" "))
    if indent % 2:
      raise SchemaError("line %d: odd indentation" % line_no)
    depth = indent // 2
    while stack and stack[-1][0] >= depth:
      stack.pop()
    if stack and stack[-1][0] != depth - 1:
      raise SchemaError("line %d: indentation jumps" % line_no)
    if not stack and depth:
      raise SchemaError("line %d: indentation without parent" % line_no)
    text_ = raw.strip()
    sm = re.fullmatch(r"\[struct (\w+)\]", text_)
    if sm:
      block = (sm.group(1), [])
      common.append(block)
      stack.append((depth, block))
      continue
    field = _parse_field(text_, line_no)
    if stack:
      parent = stack[-1][1]
      (parent.children if isinstance(parent, Field) else parent[1]).append(
          field)
    else:
      msg.fields.append(field)
    stack.append((depth, field))
  if msg is not None:
    _finish(msg, common, len(text.splitlines()))
  return messages


def parse_served(text):
  """Parses served_apis.txt into [(api_key, name, min, max)]."""
  apis = []
  for line_no, raw in enumerate(text.splitlines(), 1):
    line = raw.split("#", 1)[0].strip()
    if not line:
      continue
    parts = line.split()
    if len(parts) != 4:
      raise SchemaError("served_apis line %d: %r" % (line_no, raw))
    apis.append((int(parts[0]), parts[1], int(parts[2]), int(parts[3])))
  return apis


def parse_errors(text):
  """Parses kafka-errors.txt into [(code, NAME, retriable)]."""
  errors = []
  for raw in text.splitlines():
    parts = raw.split()
    if len(parts) < 3:
      continue
    errors.append((int(parts[0]), parts[1], parts[2] == "R"))
  return errors
