"""Reads C prototypes out of an MPI header set, for the ABI tests.

The headers are run through the C preprocessor first, so conditionals,
attribute macros and renames resolve exactly as a user's compiler sees them.
Only functions whose name starts with MPI_ are kept (not PMPI_, MPIX_, QMPI_).
"""
import re
import shlex
import subprocess

_DECL = re.compile(r'^(?:extern\s+)?(?P<ret>[A-Za-z_][\w\s\*]*?)\s*\b(?P<name>MPI_\w+)\s*\((?P<params>.*)\)$', re.S)
_TYPE_WORDS = {'int', 'char', 'long', 'short', 'double', 'float', 'void', 'unsigned', 'signed', 'const'}


def normalise(text):
    """One canonical spelling: single spaces, 'type *name', 'name[]', ', ' between parameters."""
    s = re.sub(r'\s+', ' ', text).strip()
    s = re.sub(r'\s*([*\[\](),])\s*', r'\1', s)
    s = s.replace(',', ', ')
    s = re.sub(r'(\w)(\*)', r'\1 \2', s)
    s = re.sub(r'(\w)\(', r'\1(', s)
    return s


def split_params(params):
    """Splits a parameter list at top-level commas."""
    out, depth, cur = [], 0, ''
    for ch in params:
        if ch == ',' and depth == 0:
            out.append(cur.strip())
            cur = ''
            continue
        depth += ch == '('
        depth -= ch == ')'
        cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def param_type(param):
    """A parameter with its name removed: 'const int dims[]' -> 'const int []'."""
    p = normalise(param)
    m = re.match(r'^(?P<type>.*?[\s*])(?P<name>[A-Za-z_]\w*)(?P<arr>(\[\w*\])*)$', p)
    if m and m.group('type').strip() and m.group('name') not in _TYPE_WORDS:
        t = m.group('type').strip()
        return t + (' ' + m.group('arr') if m.group('arr') else '')
    return p


def param_name(param):
    p = normalise(param)
    m = re.match(r'^.*?[\s*]([A-Za-z_]\w*)(\[\w*\])*$', p)
    if m and m.group(1) not in _TYPE_WORDS:
        return m.group(1)
    return None


def type_signature(ret, params):
    """Return type and parameter types only, the part the ABI fixes."""
    return normalise(ret) + '(' + ', '.join(param_type(p) for p in split_params(params)) + ')'


def statements(text):
    """Top-level ';'-terminated statements (struct and enum bodies kept whole)."""
    depth, cur = 0, ''
    for ch in text:
        if ch == '{':
            depth += 1
        elif ch == '}':
            depth -= 1
        if ch == ';' and depth == 0:
            yield cur.strip()
            cur = ''
        else:
            cur += ch


def parse_declarations(text):
    """{name: (return type, parameter text)} for every MPI_ function declared in preprocessed text."""
    found = {}
    for stmt in statements(text):
        if stmt.startswith('typedef') or '{' in stmt:
            continue
        m = _DECL.match(stmt)
        if m:
            found[m.group('name')] = (normalise(m.group('ret')), normalise(m.group('params')))
    return found


def preprocess(cc, include_dirs, header='mpi.h', defines=()):
    args = shlex.split(cc) + ['-E', '-P', '-x', 'c', '-'] + ['-I' + d for d in include_dirs] + ['-D' + d for d in defines]
    src = '#include <%s>\n' % header
    return subprocess.run(args, input=src, capture_output=True, text=True, check=True).stdout


def header_prototypes(cc, include_dirs, header='mpi.h', defines=()):
    return parse_declarations(preprocess(cc, include_dirs, header, defines))
