#!/usr/bin/env python3
"""Writes our own small Ed-Fi metadata set (resources-spec.json, descriptors-spec.json) in the OpenAPI 3 shape
that the Ed-Fi Data Management Service serves, and constraints.json (decimal precision and equality constraints,
which OpenAPI does not carry; docs/sandbox-constraints.md). The definitions below are written for this project: a subset of
the Ed-Fi data model, with short descriptions of our own. Run: python3 metadata/generate.py (from the repo root
or from metadata/)."""

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
DESCRIPTOR_MAX = 306  # length of a descriptor URI property

# ---------------------------------------------------------------------------------------------------------------
# Property helpers. Each returns (name, schema, flags) where flags is a set of "id" (identity) and "req" (required).


def s(name, max_len=None, min_len=None, *flags, fmt=None, desc=None):
    d = {"type": "string", "description": desc or name}
    if max_len:
        d["maxLength"] = max_len
    if min_len:
        d["minLength"] = min_len
    if fmt:
        d["format"] = fmt
    return (name, d, set(flags))


def date(name, *flags, desc=None):
    return (name, {"type": "string", "format": "date", "description": desc or name}, set(flags))


def i(name, *flags, minimum=None, maximum=None, desc=None):
    d = {"type": "integer", "description": desc or name}
    if minimum is not None:
        d["minimum"] = minimum
    if maximum is not None:
        d["maximum"] = maximum
    return (name, d, set(flags))


def num(name, *flags, desc=None):
    return (name, {"type": "number", "format": "double", "description": desc or name}, set(flags))


def b(name, *flags, desc=None):
    return (name, {"type": "boolean", "description": desc or name}, set(flags))


def d(name, *flags, desc=None):
    """A descriptor-valued property (a URI namespace#codeValue)."""
    return (name, {"type": "string", "maxLength": DESCRIPTOR_MAX, "description": desc or name}, set(flags))


def ref(name, schema, *flags):
    return (name, {"$ref": "#/components/schemas/" + schema}, set(flags))


def arr(name, item_schema, min_items=0, *flags):
    return (name, {"type": "array", "items": {"$ref": "#/components/schemas/" + item_schema},
                   "minItems": min_items, "uniqueItems": False}, set(flags))


def obj(description, *props):
    properties, required = {}, []
    for name, schema, flags in props:
        schema = dict(schema)
        if "id" in flags:
            schema["x-Ed-Fi-isIdentity"] = True
        elif "req" not in flags and "$ref" not in schema and schema.get("type") != "array":
            schema["x-nullable"] = True
        if "req" in flags or "id" in flags:
            required.append(name)
        properties[name] = schema
    out = {"description": description, "type": "object", "properties": dict(sorted(properties.items()))}
    if required:
        out["required"] = required
    return out


def reference(*fields):
    """A reference schema: every field is part of the target's identity and required."""
    properties = {}
    for name, schema, _ in fields:
        schema = dict(schema)
        schema["x-Ed-Fi-isIdentity"] = True
        properties[name] = schema
    return {"type": "object", "properties": dict(sorted(properties.items())), "required": [f[0] for f in fields]}


ID, REQ = "id", "req"

# ---------------------------------------------------------------------------------------------------------------
# Common types (collections and nested objects).

COMMON = {
    "EdFi_EducationOrganization_Address": obj(
        "A postal address of an education organization.",
        d("addressTypeDescriptor", REQ, desc="Kind of address (physical, mailing, ...)."),
        s("streetNumberName", 150, None, REQ, desc="Street number and name, or post office box."),
        s("apartmentRoomSuiteNumber", 50, desc="Apartment, room or suite."),
        s("city", 30, 2, REQ, desc="City."),
        d("stateAbbreviationDescriptor", REQ, desc="State or outlying area."),
        s("postalCode", 17, None, REQ, desc="ZIP or postal code."),
        s("nameOfCounty", 30, desc="County, parish or borough."),
        s("latitude", 20, desc="Latitude of the site."),
        s("longitude", 20, desc="Longitude of the site."),
        arr("periods", "EdFi_EducationOrganization_Period"),
    ),
    "EdFi_EducationOrganization_Period": obj(
        "When an address was in use.",
        date("beginDate", REQ, desc="First day the address applies."),
        date("endDate", desc="Last day the address applies."),
    ),
    "EdFi_EducationOrganization_EducationOrganizationCategory": obj(
        "A classification of the education organization.",
        d("educationOrganizationCategoryDescriptor", REQ, desc="The category."),
    ),
    "EdFi_EducationOrganization_EducationOrganizationIdentificationCode": obj(
        "An identifier issued by some system (NCES, state, ...).",
        d("educationOrganizationIdentificationSystemDescriptor", REQ, desc="Issuing system."),
        s("identificationCode", 60, None, REQ, desc="The code itself."),
    ),
    "EdFi_EducationOrganization_InstitutionTelephone": obj(
        "A telephone number of the organization.",
        d("institutionTelephoneNumberTypeDescriptor", REQ, desc="Kind of number (main, fax, ...)."),
        s("telephoneNumber", 24, None, REQ, desc="The number."),
    ),
    "EdFi_EducationOrganization_EducationOrganizationIndicator": obj(
        "A measure reported about the organization.",
        s("indicatorName", 200, None, REQ, desc="Name of the measure."),
        s("indicatorValue", 35, desc="Value of the measure."),
        s("designatedBy", 60, desc="Who designated the measure."),
    ),
    "EdFi_EducationOrganization_InternationalAddress": obj(
        "An address outside the United States.",
        d("addressTypeDescriptor", REQ, desc="Kind of address."),
        s("addressLine1", 150, None, REQ, desc="First line."),
        s("addressLine2", 150, desc="Second line."),
        d("countryDescriptor", REQ, desc="Country."),
    ),
    "EdFi_School_GradeLevel": obj(
        "A grade level the school serves.",
        d("gradeLevelDescriptor", REQ, desc="The grade level."),
    ),
    "EdFi_School_SchoolCategory": obj(
        "A category of school (elementary, high school, ...).",
        d("schoolCategoryDescriptor", REQ, desc="The category."),
    ),
    "EdFi_Course_CourseIdentificationCode": obj(
        "A code that identifies the course in some system.",
        d("courseIdentificationSystemDescriptor", REQ, desc="Issuing system."),
        s("identificationCode", 120, None, REQ, desc="The code."),
        s("assigningOrganizationIdentificationCode", 60, desc="Organization that assigned it."),
    ),
    "EdFi_StaffSchoolAssociation_GradeLevel": obj(
        "A grade level the staff member works with.",
        d("gradeLevelDescriptor", REQ, desc="The grade level."),
    ),
    "EdFi_BellSchedule_ClassPeriod": obj(
        "A class period that the bell schedule contains.",
        ref("classPeriodReference", "EdFi_ClassPeriod_Reference", REQ),
    ),
    "EdFi_Section_ClassPeriod": obj(
        "A class period in which the section meets.",
        ref("classPeriodReference", "EdFi_ClassPeriod_Reference", REQ),
    ),
    "EdFi_Student_OtherName": obj(
        "Another name the student is known by.",
        d("otherNameTypeDescriptor", REQ, desc="Kind of name (alias, nickname, ...)."),
        s("firstName", 75, None, REQ, desc="Given name."),
        s("lastSurname", 75, None, REQ, desc="Family name."),
    ),
}

# ---------------------------------------------------------------------------------------------------------------
# References (the identity of each target, in the names the referencing documents use).

SCHOOL_ID = i("schoolId", desc="Identifier of a school.")
LEA_ID = i("localEducationAgencyId", desc="Identifier of a local education agency.")
SEA_ID = i("stateEducationAgencyId", desc="Identifier of a state education agency.")
ESC_ID = i("educationServiceCenterId", desc="Identifier of an education service center.")
EDORG_ID = i("educationOrganizationId", desc="Identifier of any education organization.")
SCHOOL_YEAR = i("schoolYear", minimum=1900, maximum=2100, desc="A school year between 1900 and 2100.")
SESSION_NAME = s("sessionName", 60, desc="Name of the session.")
COURSE_CODE = s("courseCode", 60, desc="Code of the course.")
LOCAL_COURSE_CODE = s("localCourseCode", 60, desc="Local code of the course offering.")
SECTION_ID = s("sectionIdentifier", 255, desc="Local identifier of the section.")
STUDENT_UID = s("studentUniqueId", 32, desc="Unique identifier of a student.")
STAFF_UID = s("staffUniqueId", 32, desc="Unique identifier of a staff member.")
CLASS_PERIOD_NAME = s("classPeriodName", 60, desc="Name of the class period.")
BELL_SCHEDULE_NAME = s("bellScheduleName", 60, desc="Name of the bell schedule.")

REFERENCES = {
    "EdFi_StateEducationAgency_Reference": reference(SEA_ID),
    "EdFi_EducationServiceCenter_Reference": reference(ESC_ID),
    "EdFi_LocalEducationAgency_Reference": reference(LEA_ID),
    "EdFi_School_Reference": reference(SCHOOL_ID),
    "EdFi_EducationOrganization_Reference": reference(EDORG_ID),  # abstract: no endpoint
    "EdFi_SchoolYearTypeReference": {
        "description": "A school year.", "type": "object",
        "properties": {"schoolYear": SCHOOL_YEAR[1]}, "required": ["schoolYear"]},
    "EdFi_Student_Reference": reference(STUDENT_UID),
    "EdFi_Staff_Reference": reference(STAFF_UID),
    "EdFi_Session_Reference": reference(SCHOOL_ID, SCHOOL_YEAR, SESSION_NAME),
    "EdFi_Course_Reference": reference(COURSE_CODE, EDORG_ID),
    "EdFi_CourseOffering_Reference": reference(LOCAL_COURSE_CODE, SCHOOL_ID, SCHOOL_YEAR, SESSION_NAME),
    "EdFi_Section_Reference": reference(LOCAL_COURSE_CODE, SCHOOL_ID, SCHOOL_YEAR, SECTION_ID, SESSION_NAME),
    "EdFi_ClassPeriod_Reference": reference(CLASS_PERIOD_NAME, SCHOOL_ID),
    "EdFi_BellSchedule_Reference": reference(BELL_SCHEDULE_NAME, SCHOOL_ID),
    "EdFi_StudentSchoolAssociation_Reference": reference(
        date("entryDate", desc="Date of entry."), SCHOOL_ID, STUDENT_UID),
}

# ---------------------------------------------------------------------------------------------------------------
# Resources: endpoint → (schema name, schema, identity updatable).

EDORG_COMMON = [
    s("nameOfInstitution", 75, None, REQ, desc="Full legal name of the organization."),
    s("shortNameOfInstitution", 75, desc="Short name."),
    s("webSite", 255, 5, desc="Web site address."),
    d("operationalStatusDescriptor", desc="Whether the organization is active."),
    arr("addresses", "EdFi_EducationOrganization_Address"),
    arr("identificationCodes", "EdFi_EducationOrganization_EducationOrganizationIdentificationCode"),
    arr("institutionTelephones", "EdFi_EducationOrganization_InstitutionTelephone"),
    arr("indicators", "EdFi_EducationOrganization_EducationOrganizationIndicator"),
    arr("internationalAddresses", "EdFi_EducationOrganization_InternationalAddress"),
]

RESOURCES = {
    "stateEducationAgencies": ("EdFi_StateEducationAgency", obj(
        "A state agency responsible for public education.",
        i("stateEducationAgencyId", ID, desc="Identifier of the state education agency."),
        arr("categories", "EdFi_EducationOrganization_EducationOrganizationCategory", 1, REQ),
        *EDORG_COMMON), False),
    "educationServiceCenters": ("EdFi_EducationServiceCenter", obj(
        "A regional agency that serves several local education agencies.",
        i("educationServiceCenterId", ID, desc="Identifier of the education service center."),
        arr("categories", "EdFi_EducationOrganization_EducationOrganizationCategory", 1, REQ),
        ref("stateEducationAgencyReference", "EdFi_StateEducationAgency_Reference"),
        *EDORG_COMMON), False),
    "localEducationAgencies": ("EdFi_LocalEducationAgency", obj(
        "A school district or other local administrative unit.",
        i("localEducationAgencyId", ID, desc="Identifier of the local education agency."),
        d("localEducationAgencyCategoryDescriptor", REQ, desc="Kind of local education agency."),
        arr("categories", "EdFi_EducationOrganization_EducationOrganizationCategory", 1, REQ),
        ref("parentLocalEducationAgencyReference", "EdFi_LocalEducationAgency_Reference"),
        ref("educationServiceCenterReference", "EdFi_EducationServiceCenter_Reference"),
        ref("stateEducationAgencyReference", "EdFi_StateEducationAgency_Reference"),
        *EDORG_COMMON), False),
    "schools": ("EdFi_School", obj(
        "An institution where students receive instruction.",
        i("schoolId", ID, desc="Identifier of the school."),
        arr("educationOrganizationCategories", "EdFi_EducationOrganization_EducationOrganizationCategory", 1, REQ),
        arr("gradeLevels", "EdFi_School_GradeLevel", 1, REQ),
        arr("schoolCategories", "EdFi_School_SchoolCategory"),
        ref("localEducationAgencyReference", "EdFi_LocalEducationAgency_Reference"),
        ref("charterApprovalSchoolYearTypeReference", "EdFi_SchoolYearTypeReference"),
        d("schoolTypeDescriptor", desc="Kind of school (regular, alternative, ...)."),
        *EDORG_COMMON), False),
    # Reproduces the DS 5.2 defect on purpose (edfi-api-behavior.md §4.8): the model must repair it.
    "schoolYearTypes": ("EdFi_SchoolYear", {
        "description": "A school year.", "type": "object",
        "properties": {"schoolYear": SCHOOL_YEAR[1]}, "required": ["schoolYear"]}, False),
    "students": ("EdFi_Student", obj(
        "A person enrolled in a school.",
        s("studentUniqueId", 32, None, ID, desc="Unique identifier of the student."),
        s("firstName", 75, None, REQ, desc="Given name."),
        s("middleName", 75, desc="Middle name."),
        s("lastSurname", 75, None, REQ, desc="Family name."),
        date("birthDate", REQ, desc="Date of birth."),
        s("birthCity", 30, 2, desc="City of birth."),
        d("birthSexDescriptor", desc="Sex recorded at birth."),
        d("birthStateAbbreviationDescriptor", desc="State of birth."),
        b("multipleBirthStatus", desc="Whether the student is a twin, triplet, ..."),
        arr("otherNames", "EdFi_Student_OtherName")), False),
    "studentSchoolAssociations": ("EdFi_StudentSchoolAssociation", obj(
        "The enrollment of a student in a school.",
        ref("studentReference", "EdFi_Student_Reference", ID),
        ref("schoolReference", "EdFi_School_Reference", ID),
        date("entryDate", ID, desc="First day of enrollment."),
        d("entryGradeLevelDescriptor", REQ, desc="Grade level at entry."),
        d("entryTypeDescriptor", desc="How the student entered."),
        date("exitWithdrawDate", desc="Day the enrollment ended."),
        d("exitWithdrawTypeDescriptor", desc="Why the enrollment ended."),
        b("primarySchool", desc="Whether this is the student's primary enrollment."),
        num("fullTimeEquivalency", desc="Share of a full-time enrollment."),
        ref("classOfSchoolYearTypeReference", "EdFi_SchoolYearTypeReference"),
        ref("schoolYearTypeReference", "EdFi_SchoolYearTypeReference"),
        ref("nextYearSchoolReference", "EdFi_School_Reference")), True),
    "sessions": ("EdFi_Session", obj(
        "A term of a school year (semester, trimester, ...).",
        ref("schoolReference", "EdFi_School_Reference", ID),
        ref("schoolYearTypeReference", "EdFi_SchoolYearTypeReference", ID),
        s("sessionName", 60, None, ID, desc="Name of the session."),
        date("beginDate", REQ, desc="First day of the session."),
        date("endDate", REQ, desc="Last day of the session."),
        d("termDescriptor", REQ, desc="Kind of term."),
        i("totalInstructionalDays", REQ, minimum=0, desc="Number of instructional days.")), True),
    "courses": ("EdFi_Course", obj(
        "A unit of instruction an education organization offers.",
        s("courseCode", 60, None, ID, desc="Code of the course."),
        ref("educationOrganizationReference", "EdFi_EducationOrganization_Reference", ID),
        s("courseTitle", 60, None, REQ, desc="Title of the course."),
        i("numberOfParts", REQ, minimum=1, desc="Number of parts."),
        d("academicSubjectDescriptor", desc="Subject area."),
        arr("identificationCodes", "EdFi_Course_CourseIdentificationCode", 1, REQ)), False),
    "courseOfferings": ("EdFi_CourseOffering", obj(
        "A course offered by a school in a session.",
        s("localCourseCode", 60, None, ID, desc="Local code of the offering."),
        ref("schoolReference", "EdFi_School_Reference", ID),
        ref("sessionReference", "EdFi_Session_Reference", ID),
        ref("courseReference", "EdFi_Course_Reference", REQ),
        s("localCourseTitle", 60, desc="Local title.")), False),
    "sections": ("EdFi_Section", obj(
        "A group of students taught a course offering together.",
        s("sectionIdentifier", 255, None, ID, desc="Local identifier of the section."),
        ref("courseOfferingReference", "EdFi_CourseOffering_Reference", ID),
        num("availableCredits", desc="Credits a student can earn."),
        arr("classPeriods", "EdFi_Section_ClassPeriod")), True),
    "classPeriods": ("EdFi_ClassPeriod", obj(
        "A portion of the school day in which sections meet.",
        s("classPeriodName", 60, None, ID, desc="Name of the class period."),
        ref("schoolReference", "EdFi_School_Reference", ID),
        b("officialAttendancePeriod", desc="Whether attendance is taken in this period.")), True),
    "bellSchedules": ("EdFi_BellSchedule", obj(
        "The class periods of a school day, in order.",
        s("bellScheduleName", 60, None, ID, desc="Name of the bell schedule."),
        ref("schoolReference", "EdFi_School_Reference", ID),
        arr("classPeriods", "EdFi_BellSchedule_ClassPeriod", 1, REQ),
        s("alternateDayName", 20, desc="Name of the alternate day, if any."),
        i("totalInstructionalTime", minimum=0, desc="Instructional minutes in the schedule.")), False),
    "studentSectionAssociations": ("EdFi_StudentSectionAssociation", obj(
        "A student's placement in a section.",
        ref("studentReference", "EdFi_Student_Reference", ID),
        ref("sectionReference", "EdFi_Section_Reference", ID),
        date("beginDate", ID, desc="First day in the section."),
        date("endDate", desc="Last day in the section.")), True),
    "staffs": ("EdFi_Staff", obj(
        "A person employed by an education organization.",
        s("staffUniqueId", 32, None, ID, desc="Unique identifier of the staff member."),
        s("firstName", 75, None, REQ, desc="Given name."),
        s("lastSurname", 75, None, REQ, desc="Family name."),
        date("birthDate", desc="Date of birth.")), False),
    "staffSchoolAssociations": ("EdFi_StaffSchoolAssociation", obj(
        "A staff member's assignment to a school.",
        ref("staffReference", "EdFi_Staff_Reference", ID),
        ref("schoolReference", "EdFi_School_Reference", ID),
        d("programAssignmentDescriptor", ID, desc="Program the staff member works in."),
        ref("schoolYearTypeReference", "EdFi_SchoolYearTypeReference"),
        arr("gradeLevels", "EdFi_StaffSchoolAssociation_GradeLevel")), False),
    "staffEducationOrganizationAssignmentAssociations": ("EdFi_StaffEducationOrganizationAssignmentAssociation", obj(
        "A staff member's role at an education organization.",
        ref("staffReference", "EdFi_Staff_Reference", ID),
        ref("educationOrganizationReference", "EdFi_EducationOrganization_Reference", ID),
        d("staffClassificationDescriptor", ID, desc="Role of the staff member."),
        date("beginDate", ID, desc="First day of the assignment."),
        date("endDate", desc="Last day of the assignment."),
        s("positionTitle", 100, desc="Title of the position.")), False),
}

# Own reference schemas for every resource above (the projection of §4.3 derives from their identities).
REFERENCES.update({
    "EdFi_StaffSchoolAssociation_Reference": reference(
        d("programAssignmentDescriptor"), SCHOOL_ID, STAFF_UID),
    "EdFi_StaffEducationOrganizationAssignmentAssociation_Reference": reference(
        date("beginDate"), EDORG_ID, d("staffClassificationDescriptor"), STAFF_UID),
    "EdFi_StudentSectionAssociation_Reference": reference(
        date("beginDate"), LOCAL_COURSE_CODE, SCHOOL_ID, SCHOOL_YEAR, SECTION_ID, SESSION_NAME, STUDENT_UID),
})

# ---------------------------------------------------------------------------------------------------------------
# What the OpenAPI documents do not carry (edfi-api-behavior.md §4.9): decimal precision/scale and equality
# constraints, written to constraints.json, which edfi-sandbox loads from its --specs folder
# (docs/sandbox-constraints.md). Precisions are those of the same Ed-Fi DS 5.2 fields.

CONSTRAINTS = {
    "description": "Decimal precision and equality constraints for lightbeam's own metadata set "
                   "(generated by metadata/generate.py; format: docs/sandbox-constraints.md).",
    "decimals": {
        "/ed-fi/studentSchoolAssociations": {"$.fullTimeEquivalency": {"precision": 5, "scale": 4}},
        "/ed-fi/sections": {"$.availableCredits": {"precision": 9, "scale": 3}},
    },
    "equalityConstraints": {
        "/ed-fi/bellSchedules": [["$.classPeriods[*].classPeriodReference.schoolId", "$.schoolReference.schoolId"]],
        "/ed-fi/sections": [["$.classPeriods[*].classPeriodReference.schoolId",
                             "$.courseOfferingReference.schoolId"]],
        # Also derived from the identities (§4.3 unification); listed so the table is complete on its own.
        "/ed-fi/courseOfferings": [["$.schoolReference.schoolId", "$.sessionReference.schoolId"]],
    },
}

DESCRIPTORS = [
    "academicSubject", "addressType", "country", "courseIdentificationSystem", "educationOrganizationCategory",
    "educationOrganizationIdentificationSystem", "entryType", "exitWithdrawType", "gradeLevel",
    "institutionTelephoneNumberType", "localEducationAgencyCategory", "operationalStatus", "otherNameType",
    "programAssignment", "schoolCategory", "schoolType", "sex", "staffClassification", "stateAbbreviation", "term",
]

# ---------------------------------------------------------------------------------------------------------------
# OpenAPI scaffolding.

R = lambda name: {"$ref": "#/components/responses/" + name}  # noqa: E731
P = lambda name: {"$ref": "#/components/parameters/" + name}  # noqa: E731


def components(schemas):
    return {
        "schemas": dict(sorted(schemas.items())),
        "parameters": {
            "offset": {"name": "offset", "in": "query", "description": "Number of items to skip.",
                       "schema": {"type": "integer", "format": "int32"}},
            "limit": {"name": "limit", "in": "query", "description": "Largest number of items to return.",
                      "schema": {"type": "integer", "format": "int32", "minimum": 0, "maximum": 500,
                                 "default": 25}},
            "totalCount": {"name": "totalCount", "in": "query",
                           "description": "Ask for the Total-Count header.",
                           "schema": {"type": "boolean", "default": False}},
            "If-None-Match": {"name": "If-None-Match", "in": "header",
                              "description": "ETag of a copy the client already has.",
                              "schema": {"type": "string"}},
        },
        "responses": {name: {"description": text} for name, text in [
            ("Created", "Created; see the Location and ETag headers."),
            ("Updated", "Updated; see the ETag header."),
            ("Deleted", "Deleted."),
            ("NotModified", "Not modified since the given ETag."),
            ("BadRequest", "The request is invalid; the body says why."),
            ("Unauthorized", "Missing or expired token."),
            ("Forbidden", "Not allowed for this client."),
            ("NotFound", "No such item."),
            ("Conflict", "The change would make the data inconsistent; the body says why."),
            ("PreconditionFailed", "The ETag given in If-Match does not match."),
            ("Error", "Unexpected server error."),
        ]},
        "securitySchemes": {"oauth2_client_credentials": {
            "type": "oauth2", "description": "OAuth 2.0 client credentials.",
            "flows": {"clientCredentials": {"tokenUrl": "/oauth/token", "scopes": {}}}}},
    }


ID_PARAM = {"name": "id", "in": "path", "required": True, "description": "Resource id (UUID).",
            "schema": {"type": "string"}}


def paths_for(endpoint, schema_name, schema, updatable):
    ref = {"$ref": "#/components/schemas/" + schema_name}
    body = {"content": {"application/json": {"schema": ref}}, "required": True,
            "description": "The " + schema_name.split("_", 1)[1] + " to create or update."}
    query = [P("offset"), P("limit"), P("totalCount"),
             {"name": "id", "in": "query", "description": "", "schema": {"type": "string"}}]
    for name, prop in schema["properties"].items():  # scalar top-level properties only, as DS 5.2 lists them
        if "$ref" in prop or prop.get("type") == "array" or name == "id":
            continue
        p = {"name": name, "in": "query", "description": prop.get("description", ""),
             "schema": {k: v for k, v in prop.items() if k in ("type", "format", "maxLength", "minLength")}}
        if prop.get("x-Ed-Fi-isIdentity"):
            p["x-Ed-Fi-isIdentity"] = True
        query.append(p)
    common = {"400": R("BadRequest"), "401": R("Unauthorized"), "403": R("Forbidden"), "500": R("Error")}
    put = {"operationId": "put" + endpoint, "tags": [endpoint], "summary": "Replace an item by id.",
           "parameters": [ID_PARAM, P("If-None-Match")], "requestBody": body,
           "responses": {"204": R("Updated"), "404": R("NotFound"), "409": R("Conflict"),
                         "412": R("PreconditionFailed"), **common}}
    if updatable:
        put["x-Ed-Fi-isUpdatable"] = True
    return {
        "": {
            "get": {"operationId": "get" + endpoint, "tags": [endpoint], "summary": "Query items.",
                    "parameters": query,
                    "responses": {"200": {"description": "The matching items.", "content": {"application/json": {
                        "schema": {"type": "array", "items": ref}}}}, **common}},
            "post": {"operationId": "post" + endpoint, "tags": [endpoint], "summary": "Create or update by natural key.",
                     "requestBody": body,
                     "responses": {"200": R("Updated"), "201": R("Created"), "409": R("Conflict"),
                                   "412": R("PreconditionFailed"), **common}},
        },
        "/{id}": {
            "get": {"operationId": "get" + endpoint + "ById", "tags": [endpoint], "summary": "Read one item.",
                    "parameters": [ID_PARAM, P("If-None-Match")],
                    "responses": {"200": {"description": "The item.", "content": {"application/json": {
                        "schema": ref}}}, "304": R("NotModified"), "404": R("NotFound"), **common}},
            "put": put,
            "delete": {"operationId": "delete" + endpoint + "ById", "tags": [endpoint], "summary": "Delete one item.",
                       "parameters": [ID_PARAM],
                       "responses": {"204": R("Deleted"), "404": R("NotFound"), "409": R("Conflict"), **common}},
        },
    }


def document(title, schemas, endpoints):
    paths = {}
    for endpoint, (schema_name, schema, updatable) in endpoints.items():
        for suffix, item in paths_for(endpoint, schema_name, schema, updatable).items():
            paths["/ed-fi/" + endpoint + suffix] = item
    return {
        "openapi": "3.0.0",
        "info": {"title": title, "version": "1",
                 "description": "A small Ed-Fi metadata set written for lightbeam's tests and demo."},
        "servers": [{"url": "http://localhost/data"}],
        "security": [{"oauth2_client_credentials": []}],
        "tags": [{"name": e, "description": e} for e in sorted(endpoints)],
        "paths": dict(sorted(paths.items())),
        "components": components(schemas),
    }


def descriptor_schema(name):
    text = {"type": "string", "minLength": 1, "pattern": "^(?!\\s).*(?<!\\s)$"}
    return {
        "description": "An Ed-Fi descriptor: " + name + ".", "type": "object",
        "properties": {
            "id": {"type": "string", "description": ""},
            "namespace": {**text, "maxLength": 255, "x-Ed-Fi-isIdentity": True, "description": "Namespace URI."},
            "codeValue": {**text, "maxLength": 50, "x-Ed-Fi-isIdentity": True, "description": "The code."},
            "shortDescription": {**text, "maxLength": 75, "description": "Short text."},
            "description": {"type": "string", "maxLength": 1024, "x-nullable": True, "description": "Long text."},
            "effectiveBeginDate": {"type": "string", "format": "date", "x-nullable": True,
                                   "description": "First day the value applies."},
            "effectiveEndDate": {"type": "string", "format": "date", "x-nullable": True,
                                 "description": "Last day the value applies."},
        },
        "required": ["namespace", "codeValue", "shortDescription"],
    }


def main():
    schemas = {**COMMON, **REFERENCES}
    for _, (schema_name, schema, _) in RESOURCES.items():
        schemas[schema_name] = schema
    resources = document("lightbeam sample Ed-Fi API (resources)", schemas, RESOURCES)

    desc_endpoints, desc_schemas = {}, {}
    for base in DESCRIPTORS:
        schema_name = "EdFi_" + base[0].upper() + base[1:] + "Descriptor"
        desc_schemas[schema_name] = descriptor_schema(schema_name[5:])
        desc_endpoints[base + "Descriptors"] = (schema_name, desc_schemas[schema_name], False)
    descriptors = document("lightbeam sample Ed-Fi API (descriptors)", desc_schemas, desc_endpoints)

    for name, doc in [("resources-spec.json", resources), ("descriptors-spec.json", descriptors),
                      ("constraints.json", CONSTRAINTS)]:
        with open(os.path.join(HERE, name), "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
