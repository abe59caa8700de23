#!/usr/bin/env python3
"""Reports which reduction kernels GCC vectorised, from the disassembly.

    vec_report.py BINARY            list every kernel as VEC or ---
    vec_report.py --check BINARY    fail unless the kernels that must
                                    vectorise at -O2/-O3 on baseline x86-64
                                    contain packed SIMD arithmetic

A kernel counts as vectorised when its code has a packed arithmetic,
compare, logic or blend instruction (paddd, maxpd, pcmpgtd, blendvps, ...);
moves alone (memcpy-like code) do not count. Needs objdump (binutils).
"""
import re
import subprocess
import sys

PACKED = re.compile(r'^(v?p(add|sub|mul|and|or|xor|max|min|cmp|blend|sra|srl|sll)\w*'
                    r'|v?(add|sub|mul|max|min|and|andn|or|xor|cmp\w*|blendv?)p[sd])\b')
NS = 'parley::op::(anonymous namespace)::'

# Kernels that vectorise at -O2 and -O3 without -march (SSE2): integer
# widths up to 32 bits for every op, 64-bit SUM/bitwise, float and double,
# float/double complex, and the same-width MINLOC/MAXLOC pairs.
MUST = [
    'elementwise<int, Sum>', 'elementwise<int, Prod>', 'elementwise<int, Max>', 'elementwise<int, Land>',
    'elementwise<unsigned char, Bxor>', 'elementwise<signed char, Min>', 'elementwise<short, Max>',
    'elementwise<unsigned int, Min>', 'elementwise<long, Sum>', 'elementwise<unsigned long, Bor>',
    'elementwise<float, Sum>', 'elementwise<float, Max>', 'elementwise<double, Sum>',
    'elementwise<double, Prod>', 'elementwise<double, Max>', 'elementwise<double, Min>',
    'complex_sum<double>', 'complex_prod<float>', 'complex_prod<double>',
    'pair_loc<int, int, true>', 'pair_loc<float, float, false>', 'pair_loc<double, double, true>',
]


def kernels(binary):
    out = subprocess.run(['objdump', '-d', '--no-show-raw-insn', '-C', binary],
                         capture_output=True, text=True, check=True).stdout
    funcs, cur = {}, None
    for line in out.splitlines():
        m = re.match(r'^[0-9a-f]+ <(.*)>:$', line)
        if m:
            name = m.group(1)
            cur = None
            if NS in name and any(k in name for k in ('elementwise<', 'complex_', 'pair_loc<')):
                cur = re.sub(r'^void ', '', name.replace(NS, '')).split('(')[0]
                funcs[cur] = 0
            continue
        if cur and '\t' in line and PACKED.match(line.split('\t')[-1].strip()):
            funcs[cur] += 1
    return funcs


def main():
    check = '--check' in sys.argv
    binary = [a for a in sys.argv[1:] if a != '--check'][0]
    funcs = kernels(binary)
    if not check:
        for name in sorted(funcs):
            print(('VEC ' if funcs[name] else '--- ') + name)
        print(f'{sum(1 for n in funcs.values() if n)} of {len(funcs)} kernels vectorised')
        return 0
    bad = [k for k in MUST if funcs.get(k, 0) == 0]
    for k in bad:
        print(f'not vectorised: {k}' + ('' if k in funcs else ' (not found)'))
    print(f'{sum(1 for n in funcs.values() if n)} of {len(funcs)} kernels vectorised')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
