"""A client's copy of everything held about them: JSON, CSV and an HL7 FHIR R4 Bundle."""
