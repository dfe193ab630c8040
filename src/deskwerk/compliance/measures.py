"""Annex 1 of the data processing agreement (the TOMs), section by section, as data.

Each measure names the evidence the system can show for it (a key of
``deskwerk.compliance.report.EVIDENCE``) or none: then it is an organisational measure that is
documented but not checked by the software. The titles follow the Annex's wording; the German
translations in the catalogue are the Annex's own terms.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Measure:
    title: Promise
    evidence: str | None = None  # a key of report.EVIDENCE; None: organisational only


@dataclass(frozen=True)
class Section:
    ref: str  # "I.1" … as numbered in Annex 1
    title: Promise
    measures: tuple[Measure, ...]


M = Measure

ANNEX_1: tuple[Section, ...] = (
    Section(
        "I.1",
        _("Physical access control"),
        (
            M(_("Building shafts, roof windows and the like are secured")),
            M(_("Visitor log, security checks, visitors accompanied in the office")),
            M(_("Visitor check at the reception")),
            M(_("Fixed cleaning times")),
            M(_("Carefully selected cleaning staff")),
            M(_("Electronic locking system with access control")),
            M(_("Mechanical locking: doors locked in absence")),
            M(_("Key management with documented keys")),
            M(_("Video surveillance outside business hours")),
            M(
                _("Servers at the hosting subprocessor (Annex 2), in the declared region"),
                "hosting",
            ),
        ),
    ),
    Section(
        "I.2",
        _("Access control (systems)"),
        (
            M(_("Authentication with user name and password, personal log-in"), "passwords"),
            M(_("Login rate limits and lockout after failed attempts"), "lockout"),
            M(_("Authentication for remote access")),
            M(_("Automatic lock after inactivity (session timeouts)"), "sessions"),
            M(_("Hardware and software firewall")),
            M(_("Encryption of data media")),
            M(_("Secured wireless network")),
        ),
    ),
    Section(
        "I.3",
        _("Access control (data)"),
        (
            M(
                _(
                    "Authorisation concept: roles, few administrators, differentiated "
                    "administrative tasks, approval of privileged grants, documentation"
                ),
                "roles",
            ),
            M(_("Disposal of data media (DIN 66399) with records")),
            M(_("Disposal of paper documents (shredder, certificate)")),
            M(_("Password policy (complexity and renewal)"), "password_policy"),
            M(_("Two-factor authentication"), "mfa"),
            M(_("Secure storage of documents and data media")),
        ),
    ),
    Section(
        "I.4",
        _("Transfer control"),
        (
            M(_("TLS encryption of data in transit"), "tls"),
            M(_("Tunnelled remote connections (VPN)")),
            M(_("Passing on data only anonymised or pseudonymised"), "pseudonymisation"),
            M(_("Destruction of data media according to DIN 66399")),
            M(_("Clear responsibilities for deletion"), "erasure"),
        ),
    ),
    Section(
        "I.5",
        _("Separation"),
        (
            M(_("Logical tenant separation in the software"), "tenancy"),
            M(_("Production and test systems kept apart"), "environment"),
            M(_("Database rights defined"), "database"),
            M(_("Records carry purpose attributes"), "purposes"),
            M(_("Use of test data"), "test_data"),
        ),
    ),
    Section(
        "I.6",
        _("Pseudonymisation"),
        (
            M(_("Contact data kept apart from other personal data"), "contact_apart"),
            M(_("Customer master data kept apart from order data")),
            M(
                _("Early pseudonymisation, with a deadline the customer defines"),
                "pseudonymisation",
            ),
            M(_("Pseudonymisation in analysis data"), "analytics"),
        ),
    ),
    Section(
        "I.7",
        _("Encryption"),
        (
            M(_("Data in transit encrypted with TLS"), "tls"),
            M(_("Passwords stored salted and hashed"), "hashing"),
            M(_("Session data encrypted with an application key"), "data_keys"),
        ),
    ),
    Section(
        "II.1",
        _("Input control"),
        (
            M(
                _("System logging; the customer defines how long the log is kept"),
                "audit_log",
            ),
            M(_("Personal access rights, so every access can be traced to a person"), "actors"),
        ),
    ),
    Section(
        "III.1",
        _("Availability control"),
        (
            M(_("Virus protection and firewall")),
            M(_("Backups kept at a secure, separate place"), "backups"),
            M(_("Smoke detectors")),
            M(_("Redundant storage: mirrored disks and backups"), "backups"),
            M(_("Server room: fire protection, air conditioning, monitoring, UPS, video")),
            M(_("Load balancing")),
            M(_("Automatic notification at maximum load and on failure")),
            M(_("Alarm on unauthorised entry to the server room")),
        ),
    ),
    Section(
        "III.2",
        _("Rapid recovery"),
        (
            M(_("Testing the restoration of data"), "restore_test"),
            M(_("IT emergency and recovery plans")),
        ),
    ),
    Section(
        "IV.1",
        _("Order control"),
        (
            M(_("Regular data protection audits by the external data protection officer")),
            M(_("Data processing agreement under Art. 28 GDPR"), "agreement"),
            M(_("Data protection officer appointed"), "dpo"),
            M(_("Training of all staff with access, repeated regularly")),
            M(_("Commitment to confidentiality (Art. 28 (3) b, 29, 32 (4) GDPR)")),
        ),
    ),
    Section(
        "IV.2",
        _("Data protection management"),
        (
            M(_("Regular internal audits")),
            M(_("Privacy-friendly defaults (Art. 25 (2) GDPR)"), "defaults"),
            M(_("Data protection management system")),
            M(_("Information security management system")),
            M(_("Regular vulnerability analyses (e.g. penetration tests)")),
            M(_("Software-supported tools for data protection compliance"), "tooling"),
            M(_("Process for giving and following instructions"), "instructions"),
            M(_("Contact persons and responsible staff named"), "contacts"),
            M(_("Control of processing on instruction")),
            M(_("Training and instruction of the processor's staff with access")),
            M(_("Documentation and escalation process for personal data breaches"), "breaches"),
            M(_("Policies ensuring the technical and organisational measures")),
        ),
    ),
)
