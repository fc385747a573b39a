#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/seed-*. Run it from anywhere; it only rewrites
seed-* files (crash reproducers found by fuzzing are named finding-* and are kept as they are)."""
import json
import os
import pickle
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(folder, "seed-" + name), "wb") as f:
        f.write(data)


def clear(target):
    folder = os.path.join(HERE, "corpus", target)
    if os.path.isdir(folder):
        for n in os.listdir(folder):
            if n.startswith("seed-"):
                os.remove(os.path.join(folder, n))


# --- JSONL reader: whole files ---------------------------------------------------------------
def jsonl():
    t = "jsonl_reader"
    clear(t)
    rec = '{"studentUniqueId": "s1", "birthDate": "2010-01-02", "firstName": "Ann"}'
    write(t, "plain", rec + "\n" + rec.replace("s1", "s2") + "\n")
    write(t, "no-final-newline", rec + "\n" + rec)
    write(t, "crlf", rec + "\r\n" + rec + "\r\n")
    write(t, "mixed-cr-lf", rec + "\r\n" + rec + "\n\r\n" + rec + "\r")
    write(t, "bom", "\ufeff" + rec + "\n" + rec + "\n")
    write(t, "bom-only", "\ufeff")
    write(t, "bom-blank-first", "\ufeff   \n" + rec + "\n")
    write(t, "bom-on-line-2", rec + "\n\ufeff" + rec + "\n")
    write(t, "blank-lines", "\n\n  \t\n" + rec + "\n\n\f\v\n" + rec + "\n\n")
    write(t, "empty", "")
    write(t, "only-newlines", "\n\r\n\n")
    write(t, "truncated-line", rec + "\n" + rec[: len(rec) // 2])
    write(t, "invalid-utf8", b'{"name": "\xff\xfe"}\n{"name": "\xc3\x28"}\n')
    write(t, "overlong-utf8", b'{"name": "\xc0\xaf"}\n{"name": "\xed\xa0\x80"}\n')
    write(t, "utf8-ok", '{"name": "Zoë 日本 🎉"}\n')
    write(t, "nul-bytes", b'{"a": 1}\x00\n\x00\n{"b":\x002}\n')
    write(t, "not-json", "hello\n[1, 2\n{\"a\": }\n{'a': 1}\n")
    write(t, "deep-nesting", "[" * 2000 + "]" * 2000 + "\n" + '{"a":' * 300 + "1" + "}" * 300 + "\n")
    write(t, "huge-numbers", '{"n": 1e999999}\n{"n": 123456789012345678901234567890}\n{"n": -0.0e-400}\n')
    write(t, "long-line", '{"s": "' + "x" * 9000 + '"}\n' + rec + "\n")
    write(t, "long-line-no-newline", '{"s": "' + "y" * 12000 + '"}')
    write(t, "line-at-buffer-edge", '{"s": "' + "z" * (4096 - 9) + '"}\n' + rec + "\n")
    write(t, "crlf-at-buffer-edge", '{"s": "' + "z" * (4096 - 10) + '"}\r\n' + rec + "\r\n")
    write(t, "many-short-lines", "".join("{}\n" if i % 3 else "\n" for i in range(600)))
    write(t, "scalar-lines", "1\ntrue\nnull\n\"s\"\n[]\n")
    write(t, "whitespace-json", "  {\"a\" : 1 }  \t\n")
    write(t, "trailing-garbage", '{"a": 1} {"b": 2}\n{"a": 1}x\n')
    write(t, "lone-cr", rec + "\r" + rec + "\r")
    write(t, "escapes", r'{"a": "\u0000\ud800\udc00\"\\", "b": "\ud800"}' + "\n")


# --- config loader: YAML, then optional %%params and %%set sections ------------------------------
MINIMAL = """state_dir: ~/.lightbeam
data_dir: ./data
edfi_api:
  base_url: http://127.0.0.1:1/api
  version: 3
  mode: year_specific
  year: 2024
  client_id: id
  client_secret: secret-${LB_SECRET}
connection:
  pool_size: 8
  timeout: 30
  num_retries: 3
  backoff_factor: 1.5
  retry_statuses: [429, 500, 501, 503, 504]
  verify_ssl: False
count:
  separator: ","
log_level: INFO
show_stacktrace: False
"""


def config():
    t = "config_loader"
    clear(t)
    write(t, "minimal", MINIMAL)
    write(t, "minimal-params", MINIMAL + "%%params\n{\"A\": \"1\"}\n")
    write(t, "params-secret-everywhere", """edfi_api:
  base_url: ${LB_SECRET}
  client_id: $LB_SECRET
  client_secret: ${LB_SECRET}
connection:
  pool_size: ${LB_SECRET}
log_level: ${LB_SECRET}
namespace_overrides:
  ${LB_SECRET}: [${LB_SECRET}]
%%params
{}
""")
    write(t, "params-bad-type", "state_dir: x\n%%params\n{\"a\": [1]}\n")
    write(t, "params-not-object", "state_dir: x\n%%params\n[1, 2]\n")
    write(t, "params-not-json", "state_dir: x\n%%params\n{'a': 1\n")
    write(t, "params-numbers", "connection:\n  pool_size: ${N}\n  verify_ssl: ${B}\n%%params\n{\"N\": 4, \"B\": true, \"Z\": null}\n")
    write(t, "env-expansion", """data_dir: ${LB_FUZZ_EMPTY}/data
edfi_api:
  base_url: ${LB_FUZZ_URL}
connection:
  pool_size: $LB_FUZZ_NUM
selector: $LB_FUZZ_LIST
""")
    write(t, "env-missing", "edfi_api:\n  base_url: ${LB_FUZZ_NOT_SET_ANYWHERE}\n")
    write(t, "env-dollars", "data_dir: $$HOME/$${X}/$/${/${1a}/${a-b}/$\n")
    write(t, "env-unclosed", "data_dir: ${LB_FUZZ_URL\n")
    write(t, "anchors-aliases", """base: &api
  base_url: http://127.0.0.1:1/api
  client_id: a
edfi_api: *api
connection: &c
  pool_size: 2
""")
    write(t, "merge-key", "edfi_api:\n  <<: {base_url: 'http://127.0.0.1:1', client_id: x}\n  year: 2023\n")
    write(t, "alias-fanout", "a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\nnamespace_overrides:\n  ed-fi: *c\n")
    write(t, "unknown-keys", "edfi_apii:\n  base_url: x\nconection:\n  pool_size: 2\nfoo: bar\nedfi_api:\n  bse_url: y\n")
    write(t, "wrong-types", """connection:
  pool_size: many
  timeout: -5
  backoff_factor: abc
  retry_statuses: notalist
  verify_ssl: maybe
edfi_api:
  year: 99999999999999999999999
""")
    write(t, "huge-numbers", "connection:\n  pool_size: 1e400\n  timeout: 99999999999999999999\n  backoff_factor: 1e308\n")
    write(t, "section-not-map", "edfi_api: [1, 2]\nconnection: 5\n")
    write(t, "root-list", "- a\n- b\n")
    write(t, "root-scalar", "just text\n")
    write(t, "only-comments", "# nothing here\n\n")
    write(t, "empty", "")
    write(t, "yaml-syntax-error", "edfi_api:\n  base_url: [unclosed\n  : :\n")
    write(t, "tabs", "edfi_api:\n\tbase_url: x\n")
    write(t, "complex-key", "? [a, b]\n: c\n{x: 1}: 2\n")
    write(t, "duplicate-keys", "state_dir: a\nstate_dir: b\n")
    write(t, "multiline-value", "log_level: \"DE\\nBUG\"\ndata_dir: |\n  line1\n  line2\n")
    write(t, "deep-nesting", "a: " + "[" * 200 + "]" * 200 + "\nb: " + "{x: " * 100 + "1" + "}" * 100 + "\n")
    write(t, "bom-crlf", "\ufeffstate_dir: a\r\nlog_level: DEBUG\r\n")
    write(t, "invalid-utf8", b"state_dir: \xff\xfe\nlog_level: \xc3\x28\n")
    write(t, "tags", "state_dir: !!binary aGVsbG8=\nlog_level: !custom x\nconnection:\n  pool_size: !!int 3\n")
    write(t, "documents", "state_dir: a\n---\nstate_dir: b\n...\n")
    write(t, "null-values", "state_dir:\nedfi_api:\n  base_url: ~\nconnection: null\n")
    write(t, "set-overrides", MINIMAL + "%%set\nconnection.pool_size=16\nlog_level=debug\nedfi_api.year=2025\n"
          "namespace_overrides.ed-fi=[students, schools]\nconnection.retry_statuses=[500, 502]\n")
    write(t, "set-bad", "state_dir: x\n%%set\nconnection.pool_size=[1, {\nnot.a.key=1\nconnection.timeout=-1\n"
          "edfi_api.client_secret={a: 1}\n=\nnamespace_overrides.=x\n")
    write(t, "set-with-params", "edfi_api:\n  client_secret: ${LB_SECRET}\n%%params\n{\"X\": \"abc\"}\n%%set\nconnection.pool_size=${X}\n")
    write(t, "namespace-overrides", "namespace_overrides:\n  ed-fi: students, schools\n  tpdm: [candidates]\n  empty:\n")
    write(t, "namespace-overrides-bad", "namespace_overrides:\n  ed-fi: {a: 1}\n  x: [[1]]\n")
    write(t, "selectors", "selector: \"*\"\nexclude: students,schools*\ndrop_keys: [a, b]\n")
    write(t, "validate", "validate:\n  methods: [schema, references]\n  references:\n    remote: false\n    selector: [a.b]\n    behavior: include\n")


# --- validator: first byte picks the endpoint, the rest is one JSONL line ----------------------------
def validator():
    t = "validator"
    clear(t)
    docs = {
        "school": {"schoolId": 255901001, "nameOfInstitution": "Grand Bend High School",
                   "educationOrganizationCategories": [{"educationOrganizationCategoryDescriptor": "uri://ed-fi.org/EducationOrganizationCategoryDescriptor#School"}],
                   "gradeLevels": [{"gradeLevelDescriptor": "uri://ed-fi.org/GradeLevelDescriptor#Ninth grade"}]},
        "student": {"studentUniqueId": "604822", "birthDate": "2010-01-02", "firstName": "Ann", "lastSurname": "Lee"},
        "ssa": {"entryDate": "2021-08-23", "entryGradeLevelDescriptor": "uri://ed-fi.org/GradeLevelDescriptor#Ninth grade",
                "schoolReference": {"schoolId": 255901001}, "studentReference": {"studentUniqueId": "604822"},
                "schoolYear": 2022, "entryTypeDescriptor": "uri://ed-fi.org/EntryTypeDescriptor#Transfer"},
        "descriptor": {"codeValue": "Ninth grade", "namespace": "uri://ed-fi.org/GradeLevelDescriptor",
                       "shortDescription": "Ninth grade", "description": "Ninth grade"},
        "session": {"sessionName": "2021-2022 Fall Semester", "schoolReference": {"schoolId": 255901001},
                    "schoolYearTypeReference": {"schoolYear": 2022}, "beginDate": "2021-08-23", "endDate": "2021-12-17",
                    "termDescriptor": "uri://ed-fi.org/TermDescriptor#Fall Semester", "totalInstructionalDays": 81},
    }
    # Endpoint bytes are spread so every seed hits some endpoint, whatever their count.
    n = 0
    for name, d in docs.items():
        for b in (n, n + 7, n + 31):
            write(t, f"{name}-{b}", bytes([b % 256]) + json.dumps(d).encode())
        n += 3
    write(t, "wrong-types", bytes([1]) + b'{"schoolId": "abc", "nameOfInstitution": 5, "gradeLevels": {}}')
    write(t, "coercible", bytes([2]) + b'{"schoolId": "255901001", "schoolYear": "2022", "flag": "true"}')
    write(t, "nulls", bytes([3]) + b'{"schoolId": null, "schoolReference": null, "gradeLevels": [null]}')
    write(t, "bad-dates", bytes([4]) + b'{"entryDate": "2021-02-30", "birthDate": "2021-13-01", "beginDate": "0000-00-00T25:61:61Z"}')
    write(t, "huge-numbers", bytes([5]) + b'{"schoolId": 1e999, "schoolYear": 123456789012345678901234, "totalInstructionalDays": -9223372036854775809}')
    write(t, "deep", bytes([6]) + b'{"schoolReference": ' + b'{"a":' * 500 + b'1' + b'}' * 500 + b'}')
    write(t, "deep-array", bytes([7]) + b'{"gradeLevels": ' + b'[' * 900 + b']' * 900 + b'}')
    write(t, "not-object", bytes([8]) + b'[1, 2, 3]')
    write(t, "not-json", bytes([9]) + b'{"a": ')
    write(t, "invalid-utf8", bytes([10]) + b'{"nameOfInstitution": "\xff"}')
    write(t, "bad-descriptors", bytes([11]) + b'{"gradeLevelDescriptor": "no-hash", "entryGradeLevelDescriptor": "#", "sexDescriptor": "uri://x#"}')
    write(t, "duplicate-items", bytes([12]) + json.dumps({"gradeLevels": [{"gradeLevelDescriptor": "uri://ed-fi.org/GradeLevelDescriptor#Ninth grade"}] * 3}).encode())
    write(t, "unknown-props", bytes([13]) + b'{"zzz": 1, "_ext": {"x": {}}, "id": "abc", "link": {}}')
    write(t, "empty-object", bytes([14]) + b'{}')
    write(t, "empty-line", bytes([15]))
    write(t, "long-string", bytes([16]) + b'{"nameOfInstitution": "' + b"x" * 3000 + b'"}')
    write(t, "escapes", bytes([17]) + rb'{"studentUniqueId": "\u0000\ud83d\ude00", "firstName": " padded "}')


# --- schema_compile: first byte = options, then [schema, instance...] ------------------------------
def schema_compile():
    t = "schema_compile"
    clear(t)
    cases = {
        "object": [{"type": "object", "required": ["a"], "properties": {"a": {"type": "integer", "minimum": 1}},
                    "additionalProperties": False}, {"a": 2}, {"a": 0}, {}, {"a": 1, "b": 2}],
        "refs": [{"definitions": {"n": {"type": "string", "maxLength": 3}}, "items": {"$ref": "#/definitions/n"}},
                 ["ab", "abcd"], [1]],
        "recursive": [{"type": "object", "properties": {"c": {"type": "array", "items": {"$ref": "#"}}}},
                      {"c": [{"c": [{"c": []}]}]}, {"c": [1]}],
        "self-ref": [{"$ref": "#"}, 1],
        "ref-loop": [{"definitions": {"a": {"$ref": "#/definitions/b"}, "b": {"$ref": "#/definitions/a"}},
                      "$ref": "#/definitions/a"}, 1],
        "missing-ref": [{"$ref": "#/definitions/nope"}, 1],
        "pointer-escapes": [{"definitions": {"a/b": {"type": "null"}, "c~d": {"type": "boolean"}, "%25": {"enum": [1]}},
                             "anyOf": [{"$ref": "#/definitions/a~1b"}, {"$ref": "#/definitions/c~0d"}, {"$ref": "#/definitions/%2525"}]},
                            None, True, 1, "x"],
        "pattern": [{"type": "string", "pattern": "^(?!\\s).*(?<!\\s)$"}, "ok", " bad"],
        "bad-pattern": [{"pattern": "(unclosed"}, "x"],
        "pattern-backtrack": [{"pattern": "^(a+)+$"}, "a" * 30 + "!"],
        "formats": [{"anyOf": [{"format": "date"}, {"format": "date-time"}, {"format": "time"}, {"format": "email"},
                               {"format": "uri"}, {"format": "ipv4"}, {"format": "hostname"}]},
                    "2024-02-29", "2023-02-29", "2024-01-01T25:00:00Z", "12:00:00", "a@b", "::", "1.2.3.256"],
        "combinators": [{"allOf": [{"type": "number"}], "oneOf": [{"multipleOf": 3}, {"multipleOf": 5}],
                         "not": {"const": 15}}, 3, 15, 9.5],
        "numbers": [{"type": "number", "multipleOf": 0.0001, "maximum": 1e308, "exclusiveMinimum": True, "minimum": -1e308},
                    1e308, 0.3, 123456789012345678901234567890],
        "multipleof-zero": [{"multipleOf": 0}, 1],
        "arrays": [{"type": "array", "minItems": 1, "maxItems": 3, "uniqueItems": True,
                    "items": [{"type": "integer"}, {"type": "string"}], "additionalItems": False},
                   [1, "a"], [1, 1], [], [1, "a", 3, 4], [{"a": 1}, {"a": 1.0}]],
        "contains-dependencies": [{"dependencies": {"a": ["b"], "c": {"required": ["d"]}}, "propertyNames": {"maxLength": 2},
                                   "patternProperties": {"^x": {"type": "null"}}, "minProperties": 1, "maxProperties": 2},
                                  {"a": 1}, {"c": 1, "d": 2}, {"xy": None}],
        "ids": [{"id": "http://x/root.json", "definitions": {"a": {"id": "#foo", "type": "integer"}},
                 "properties": {"p": {"$ref": "#foo"}, "q": {"$ref": "root.json#/definitions/a"}}}, {"p": 1, "q": "x"}],
        "type-list": [{"type": ["integer", "null", "bogus"]}, None, 1.0, "x"],
        "malformed-keywords": [{"type": 5, "required": "a", "properties": [], "minLength": -1, "maxItems": "x",
                                "enum": 3, "items": 7}, 1],
        "boolean-schemas": [{"properties": {"a": True, "b": False}}, {"a": 1}, {"b": 1}],
        "openapi-edfi": [{"type": "object", "required": ["schoolYear"],
                          "properties": {"schoolYear": {"type": "integer", "format": "int32"},
                                         "flag": {"type": "boolean", "x-nullable": True},
                                         "d": {"type": "string", "format": "date", "x-nullable": True}}},
                         {"schoolYear": "2022", "flag": "1"}, {"schoolYear": 2022, "flag": None, "d": None}],
        "deep-schema": [json.loads('{"items":' * 200 + '{}' + '}' * 200), json.loads('[' * 300 + ']' * 300)],
        "empty": [{}],
        "not-a-schema": ["string schema", 1],
    }
    for i, (name, arr) in enumerate(cases.items()):
        for flags in (0, 7) if i % 2 else (3, 5):
            write(t, f"{name}-{flags}", bytes([flags]) + json.dumps(arr).encode())


# --- pickle import -------------------------------------------------------------------------------
def pickles():
    t = "pickle_import"
    clear(t)
    state = {bytes(range(i, i + 16)): (1700000000.5 + i, 201 if i % 2 else 200) for i in range(3)}
    for proto in (2, 3, 4, 5):
        write(t, f"state-p{proto}", pickle.dumps(state, protocol=proto))
        write(t, f"empty-p{proto}", pickle.dumps({}, protocol=proto))
    p4 = pickle.dumps(state, protocol=4)
    write(t, "truncated-p4", p4[: len(p4) // 2])
    write(t, "truncated-p2", pickle.dumps(state, protocol=2)[:-1])
    write(t, "int-times-p3", pickle.dumps({b"\x01" * 16: (1700000000, 404)}, protocol=3))
    write(t, "big-int-time-p4", pickle.dumps({b"\x01" * 16: (2 ** 70, 200)}, protocol=4))
    write(t, "negative-long-p4", pickle.dumps({b"\x01" * 16: (-(2 ** 40), 200)}, protocol=4))
    write(t, "nan-time-p4", pickle.dumps({b"\x01" * 16: (float("nan"), 200)}, protocol=4))
    write(t, "bad-status-p4", pickle.dumps({b"\x01" * 16: (1.0, 1000)}, protocol=4))
    write(t, "short-key-p4", pickle.dumps({b"\x01" * 15: (1.0, 200)}, protocol=4))
    write(t, "str-key-p4", pickle.dumps({"k" * 16: (1.0, 200)}, protocol=4))
    write(t, "list-value-p4", pickle.dumps({b"\x01" * 16: [1.0, 200]}, protocol=4))
    write(t, "long-tuple-p4", pickle.dumps({b"\x01" * 16: (1.0, 200, "x", None, True)}, protocol=4))
    write(t, "not-a-dict-p4", pickle.dumps([1, 2, 3], protocol=4))
    write(t, "protocol-0", pickle.dumps(state, protocol=0))
    write(t, "protocol-1", pickle.dumps(state, protocol=1))
    write(t, "protocol-9", b"\x80\x09}.")
    write(t, "empty", b"")
    write(t, "stop-only", b".")
    write(t, "huge-binbytes", b"\x80\x04}B\xff\xff\xff\xff")
    write(t, "huge-binbytes8", b"\x80\x04}\x8e\xff\xff\xff\xff\xff\xff\xff\xff")
    write(t, "huge-long4", b"\x80\x04}\x8b\xff\xff\xff\x7f")
    write(t, "frame-past-end", b"\x80\x04\x95\xff\xff\xff\xff\xff\xff\xff\x7f}.")
    write(t, "memo-get-unset", b"\x80\x02}h\x05.")
    write(t, "memo-put-far", b"\x80\x02}r\x00\xe1\xf5\x05.")
    write(t, "memo-reuse", b"\x80\x04}\x94(C\x10" + b"\x02" * 16 + b"G\x41\xd9\x54\x00\x00\x00\x00\x00K\xc8\x86\x94" +
          b"C\x10" + b"\x03" * 16 + b"h\x01u.")
    write(t, "global-reduce-p2", b"\x80\x02}q\x00c_codecs\nencode\nq\x01X\x03\x00\x00\x00abcq\x02X\x06\x00\x00\x00latin1q\x03\x86q\x04Rq\x05.")
    write(t, "global-evil", b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00id\x85R.")
    write(t, "stack-global", b"\x80\x04\x8c\x08builtins\x8c\x05bytes\x93)R.")
    write(t, "setitems-odd", b"\x80\x04}(K\x01u.")
    write(t, "setitem-underflow", b"\x80\x04s.")
    write(t, "tuple-no-mark", b"\x80\x04t.")
    write(t, "nested-tuples", b"\x80\x04}" + b"N" + b"\x85" * 500 + b"0.")
    write(t, "marks", b"\x80\x04" + b"(" * 300 + b"}.")
    write(t, "unknown-opcode", b"\x80\x04}\xff.")


# --- sandbox JSON bodies -----------------------------------------------------------------------------
def json_body():
    t = "json_body"
    clear(t)
    write(t, "object", '{"schoolId": 1, "nameOfInstitution": "A", "gradeLevels": [{"gradeLevelDescriptor": "x"}]}')
    write(t, "duplicate-top", '{"a": 1, "a": 2}')
    write(t, "duplicate-nested", '{"addresses": [{"city": "x"}, {"city": "y", "city": "z"}]}')
    write(t, "duplicate-deep", '{"a": {"b": [[{"c": 1, "c": 1}]]}}')
    write(t, "same-key-different-objects", '{"a": {"x": 1}, "b": {"x": 1}}')
    write(t, "scalars", '[1, -0, 1.5e300, 1e999, true, false, null, "s", 18446744073709551616, -9223372036854775809]')
    write(t, "empty", "")
    write(t, "whitespace", " \n\t ")
    write(t, "truncated", '{"a": [1, 2')
    write(t, "trailing", '{"a": 1} x')
    write(t, "bom", "\ufeff{}")
    write(t, "invalid-utf8", b'{"a": "\xff"}')
    write(t, "escapes", r'{"\u0000": "\ud800\udc00", "": ""}')
    write(t, "lone-surrogate", r'{"a": "\ud800"}')
    write(t, "deep", "[" * 3000 + "]" * 3000)
    write(t, "deep-objects", '{"a":' * 1000 + "1" + "}" * 1000)
    write(t, "comments", '{"a": 1 /* c */}')
    write(t, "empty-key-duplicate", '{"": 1, "": 2}')


if __name__ == "__main__":
    json_body()
    jsonl()
    config()
    validator()
    schema_compile()
    pickles()
    for d in sorted(os.listdir(os.path.join(HERE, "corpus"))):
        print(d, len(os.listdir(os.path.join(HERE, "corpus", d))))
