#!/usr/bin/env python3
"""Writes the demo's sample data (demo/data/*.jsonl): descriptors, 3 local education agencies,
10 schools, 250 students and their 250 studentSchoolAssociations, plus a few deliberate failures
(an invalid birth date, an unknown grade level, associations to students that do not exist).
Deterministic: run `python3 demo/generate.py` to regenerate the committed files."""
import json
import os
import random

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
NS = "uri://ed-fi.org"
GRADES = ["Kindergarten", "First grade", "Second grade", "Third grade", "Fourth grade", "Fifth grade",
          "Sixth grade", "Seventh grade", "Eighth grade", "Ninth grade", "Tenth grade", "Eleventh grade",
          "Twelfth grade"]
FIRST = ["Ada", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lia", "Max", "Noa",
         "Oli", "Pia", "Quin", "Rui", "Sam", "Tia"]
LAST = ["Alvarez", "Brooks", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
        "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Patel"]


def descriptor(kind, code):
    return {"namespace": f"{NS}/{kind}", "codeValue": code, "shortDescription": code, "description": code}


def write(name, rows):
    with open(os.path.join(OUT, name + ".jsonl"), "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


def main():
    rnd = random.Random(42)
    os.makedirs(OUT, exist_ok=True)
    write("gradeLevelDescriptors", [descriptor("GradeLevelDescriptor", g) for g in GRADES])
    write("educationOrganizationCategoryDescriptors",
          [descriptor("EducationOrganizationCategoryDescriptor", c) for c in ["School", "Local Education Agency"]])
    write("localEducationAgencyCategoryDescriptors",
          [descriptor("LocalEducationAgencyCategoryDescriptor", c) for c in ["Independent", "Regular public school district"]])
    leas = [{"localEducationAgencyId": 255900 + i, "nameOfInstitution": f"Demo District {i}",
             "localEducationAgencyCategoryDescriptor": f"{NS}/LocalEducationAgencyCategoryDescriptor#Independent",
             "categories": [{"educationOrganizationCategoryDescriptor":
                             f"{NS}/EducationOrganizationCategoryDescriptor#Local Education Agency"}]}
            for i in range(1, 4)]
    write("localEducationAgencies", leas)
    schools = []
    for i in range(10):
        low = rnd.randrange(0, 9)
        grades = GRADES[low:low + 4]
        if i == 9:
            grades = grades[:3] + ["Thirteenth grade"]  # deliberate failure: unknown descriptor value
        schools.append({"schoolId": 25590100 + i, "nameOfInstitution": f"Demo School {i}",
                        "localEducationAgencyReference": {"localEducationAgencyId": 255901 + i % 3},
                        "educationOrganizationCategories": [
                            {"educationOrganizationCategoryDescriptor": f"{NS}/EducationOrganizationCategoryDescriptor#School"}],
                        "gradeLevels": [{"gradeLevelDescriptor": f"{NS}/GradeLevelDescriptor#{g}"} for g in grades]})
    write("schools", schools)
    students, ssas = [], []
    for i in range(250):
        uid = f"D{100000 + i}"
        birth = f"{2008 + i % 10}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        if i in (17, 181):
            birth = f"{2010}-13-{40 + i % 9}"  # deliberate failure: not a date
        students.append({"studentUniqueId": uid, "firstName": rnd.choice(FIRST), "lastSurname": rnd.choice(LAST),
                         "birthDate": birth})
        school = schools[i % 9]
        ssas.append({"studentReference": {"studentUniqueId": uid},
                     "schoolReference": {"schoolId": school["schoolId"]},
                     "entryDate": "2024-08-26",
                     "entryGradeLevelDescriptor": school["gradeLevels"][i % 4]["gradeLevelDescriptor"]})
    for k in range(3):  # deliberate failures: students that do not exist
        ssas.append({"studentReference": {"studentUniqueId": f"X{900 + k}"},
                     "schoolReference": {"schoolId": schools[0]["schoolId"]}, "entryDate": "2024-08-26",
                     "entryGradeLevelDescriptor": schools[0]["gradeLevels"][0]["gradeLevelDescriptor"]})
    write("students", students)
    write("studentSchoolAssociations", ssas)


if __name__ == "__main__":
    main()
