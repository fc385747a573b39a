#!/usr/bin/env python3
"""Writes the sandbox's DS 5.2 templates (docs/sandbox.md, "Templates") from the Ed-Fi XML in ../shared:

  minimal/{resource}.jsonl    the standard descriptors (xml/Descriptors), as an ODS minimal template has
  populated/{resource}.jsonl  the Grand Bend sample data of the interchanges in POPULATED (xml/Samples)

Every line is an API body, as `lightbeam send` would post it. The mapping is derived from the DS 5.2
OpenAPI document, not written per resource: an XML element maps to the property of its lower-camel name
(or name + "Descriptor", or name + "TypeReference" for school years), to the array whose item schema is
named after it, or to the array whose items wrap it (ClassPeriodReference); a reference (`ref="..."` to
another element, or an inline XxxIdentity) becomes the reference schema's properties, looked up in the
referenced record. A stop-gap until `lightbeam convert` (XML interchange -> JSONL) can write these files.

  metadata/ds-5.2/template/generate.py [EDFI_DIR]     EDFI_DIR default: ../shared/edfi beside the repo
"""
import collections
import glob
import json
import os
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
EDFI = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../../../shared/edfi")
# The interchanges whose records the ODS Postman suites and a Grand Bend demo rely on: education
# organizations, calendars, the master schedule, students, staff, contacts, programs, and the sample's
# own (gbisd.edu) descriptors.
POPULATED = ["EducationOrganization", "EducationOrgCalendar", "MasterSchedule", "Student", "StaffAssociation",
             "Contact", "StudentProgram", "Standards", "*Descriptor"]


def local(tag):
    return tag.rsplit("}", 1)[-1]


def lower_first(s):
    # JSON names lower a leading acronym whole: IEPBeginDate -> iepBeginDate, CIPCode -> cipCode
    n = len(s) - len(s.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    if n > 1 and n < len(s):
        n -= 1
    return s[:n].lower() + s[n:]


class Spec:
    def __init__(self, paths):
        self.schemas, self.resources = {}, {}  # element name -> (endpoint, schema name)
        for path in paths:
            doc = json.load(open(path))
            self.schemas.update(doc["components"]["schemas"])
            for url, ops in doc["paths"].items():
                parts = url.strip("/").split("/")
                if len(parts) != 2 or parts[0] != "ed-fi" or "post" not in ops:
                    continue
                ref = ops["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                name = ref.rsplit("/", 1)[-1]
                element = name.split("_", 1)[1]
                self.resources[element] = (parts[1], name)
        self.resources["SchoolYearType"] = ("schoolYearTypes", "EdFi_SchoolYearType")

    def schema(self, ref_or_name):
        return self.schemas.get(ref_or_name.rsplit("/", 1)[-1], {})


def year_of(text):
    # "2021-2022" (a school year in XML) or "2022"
    return int(text.strip().split("-")[-1])


def scalar(text, prop):
    text = (text or "").strip()
    kind = prop.get("type")
    if kind == "integer":
        return int(text)
    if kind == "number":
        return float(text) if "." in text or "e" in text.lower() else int(text)
    if kind == "boolean":
        return text.lower() in ("true", "1")
    return text


class Converter:
    def __init__(self, spec):
        self.spec = spec
        self.by_id = {}  # XML id attribute -> element
        self.unmapped = collections.Counter()

    def index(self, root):
        for el in root.iter():
            if "id" in el.attrib:
                self.by_id[el.attrib["id"]] = el

    def find_array(self, props, tag):
        # the array whose item schema is named after the element, else the one whose items wrap it
        name = lower_first(tag)
        for key, p in props.items():
            if p.get("type") == "array" and p["items"].get("$ref", "").endswith("_" + tag):
                return key, None
        for key, p in props.items():
            if p.get("type") == "array" and "$ref" in p["items"]:
                if name in self.spec.schema(p["items"]["$ref"]).get("properties", {}):
                    return key, name
        return None, None

    def convert(self, el, schema):
        props = schema.get("properties", {})
        out = {}
        for child in el:
            tag = local(child.tag)
            name = lower_first(tag)
            if name in props or name + "Descriptor" in props:
                key = name if name in props else name + "Descriptor"
                p = props[key]
                if p.get("type") == "array":
                    out.setdefault(key, []).append(self.item(child, self.spec.schema(p["items"]["$ref"])))
                elif "$ref" not in p and len(child):
                    self.flatten(child, key, props, out)
                else:
                    out[key] = self.value(child, p)
            elif name + "TypeReference" in props:  # <SchoolYear>2021-2022</SchoolYear>
                out[name + "TypeReference"] = {"schoolYear": year_of(child.text)}
            else:
                key, wrapped = self.find_array(props, tag)
                if key is None and len(child):  # a group the JSON flattens: <Name><FirstName/>...</Name>
                    out.update(self.convert(child, schema))
                    continue
                if key is None:
                    self.unmapped[f"{local(el.tag)}/{tag}"] += 1
                    continue
                item_schema = self.spec.schema(props[key]["items"]["$ref"])
                if wrapped:
                    inner = item_schema["properties"][wrapped]
                    out.setdefault(key, []).append({wrapped: self.value(child, inner)})
                else:
                    out.setdefault(key, []).append(self.item(child, item_schema))
        return out

    def flatten(self, child, key, props, out):
        # a common type the JSON inlines: <AvailableCredits><Credits/><CreditType/></AvailableCredits>
        # -> availableCredits, availableCreditTypeDescriptor
        prefix = key[: -len(local(child[0].tag))] if key.endswith(local(child[0].tag)) else key
        for g in child:
            tag = local(g.tag)
            for k in (prefix + tag, prefix + tag + "Descriptor", lower_first(tag)):
                if k in props:
                    out[k] = scalar(g.text, props[k])
                    break
            else:
                self.unmapped[f"{key}/{tag}"] += 1

    def item(self, child, item_schema):
        if len(child) == 0:  # <GradeLevel>uri://...</GradeLevel>: the item's one required property
            required = item_schema.get("required") or list(item_schema.get("properties", {}))
            return {required[0]: (child.text or "").strip()}
        return self.convert(child, item_schema)

    def value(self, child, prop):
        if "$ref" in prop:
            target = prop["$ref"].rsplit("/", 1)[-1]
            if target.endswith("Reference"):
                return self.reference(child, self.spec.schema(target))
            return self.convert(child, self.spec.schema(target))
        if prop.get("type") == "array":
            return [self.item(child, self.spec.schema(prop["items"]["$ref"]))]
        return scalar(child.text, prop)

    def record_of(self, el):
        entry = self.spec.resources.get(local(el.tag))
        if entry is None:  # e.g. an XxxIdentity: the identity fields of the referenced resource
            return None
        return self.convert(el, self.spec.schema(entry[1]))

    def reference(self, el, ref_schema):
        if "ref" in el.attrib:
            target = self.by_id[el.attrib["ref"]]
            record = self.record_of(target)
        else:
            identity = next(iter(el), None)
            if identity is None:
                return {}
            resource = local(identity.tag)[: -len("Identity")]
            entry = self.spec.resources.get(resource)
            schema = self.spec.schema(entry[1]) if entry else ref_schema
            record = self.convert(identity, schema)
        out = {}
        for key in ref_schema.get("properties", {}):
            if key == "link":
                continue
            v = find(record, key)
            if v is not None:
                out[key] = v
        return out


def find(record, key):
    if key in record:
        return record[key]
    for v in record.values():
        if isinstance(v, dict) and key in v:
            return v[key]
    if key == "educationOrganizationId":  # an abstract reference: the subclass's own id
        for k, v in record.items():
            if k.endswith("Id") and isinstance(v, int):
                return v
    return None


def write(folder, records):
    os.makedirs(folder, exist_ok=True)
    for old in glob.glob(os.path.join(folder, "*.jsonl")):
        os.remove(old)
    for endpoint, docs in sorted(records.items()):
        with open(os.path.join(folder, endpoint + ".jsonl"), "w") as f:
            for d in docs:
                f.write(json.dumps(d, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{folder}: {sum(len(d) for d in records.values())} records in {len(records)} files")


def convert_files(converter, files):
    roots = [ET.parse(f).getroot() for f in files]
    for root in roots:
        converter.index(root)
    records = collections.defaultdict(list)
    for root in roots:
        for el in root:
            tag = local(el.tag)
            if tag not in converter.spec.resources:
                converter.unmapped[tag] += 1
                continue
            records[converter.spec.resources[tag][0]].append(converter.record_of(el))
    return records


def main():
    spec = Spec([os.path.join(EDFI, "ds-5.2", n) for n in ("resources-spec.json", "descriptors-spec.json")])
    xml = os.path.join(EDFI, "ds-5.2", "xml")
    minimal = Converter(spec)
    write(os.path.join(HERE, "minimal"), convert_files(minimal, sorted(glob.glob(os.path.join(xml, "Descriptors", "*.xml")))))
    files = sorted({f for p in POPULATED for f in glob.glob(os.path.join(xml, "Samples", p + ".xml"))})
    populated = Converter(spec)
    write(os.path.join(HERE, "populated"), convert_files(populated, files))
    for what, n in sorted((minimal.unmapped + populated.unmapped).items()):
        print(f"  not mapped: {what} ({n})", file=sys.stderr)


if __name__ == "__main__":
    main()
