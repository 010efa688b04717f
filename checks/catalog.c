/* The catalogue: one row per check. IDs are stable forever. */
#include <stdio.h>
#include <string.h>

#include "checks/eval.h"

#define DPS "SMS_DistributionPointInfo,SMS_SCI_SysResUse"
#define CERTS "SMS_Certificate"
#define SMPS "SMS_SCI_SysResUse"
#define TSS "SMS_TaskSequencePackage,SMS_Advertisement"

static const struct chk_def catalog[] = {
	{
		.id = "OSD-MEDIA-001",
		.title = "Boot media is password-protected",
		.area = "MEDIA", .cat = CAT_SECURITY, .sev = SEV_HIGH, .automation = AUTO_HYBRID,
		.seed_topic = "protect bootable media; privacy: always use a password for boot "
			"media",
		.rationale = "Whoever holds unprotected boot media can start a deployment and read "
			"the policy it carries.",
		.remediation = "Recreate the media with a password: Software Library > Operating "
			"Systems > Task Sequences > Create Task Sequence Media > Protect media "
			"with a password. PowerShell: New-CMBootableMedia -MediaPassword "
			"(Read-Host -AsSecureString). Then attest: osdwarden attest OSD-MEDIA-001.",
		.needs = CERTS,
		.eval = eval_media_001,
		.ordered = true,
	},
	{
		.id = "OSD-MEDIA-002",
		.title = "Media certificates short-lived, blocked when expired",
		.area = "MEDIA", .cat = CAT_SECURITY, .sev = SEV_MEDIUM, .automation = AUTO_AUTO,
		.seed_topic = "protect bootable and prestaged media",
		.rationale = "A media certificate authenticates the media to the site for as long "
			"as it is valid and unblocked; a lost stick keeps working until then.",
		.remediation = "Create media with a short certificate validity; block expired or "
			"unneeded ones: Administration > Security > Certificates > Block. "
			"PowerShell: Block-CMCertificate -Id.",
		.needs = CERTS,
		.eval = eval_media_002,
		.ordered = true,
	},
	{
		.id = "OSD-MEDIA-003",
		.title = "Media created in a secure location",
		.area = "MEDIA", .cat = CAT_SECURITY, .sev = SEV_MEDIUM, .automation = AUTO_ATTEST,
		.seed_topic = "create media in a secure location",
		.rationale = "Media files written to an unprotected share or workstation can be "
			"copied before use.",
		.remediation = "Create media on a controlled host and path; attest with osdwarden "
			"attest OSD-MEDIA-003.",
		.eval = eval_attest_once,
	},
	{
		.id = "OSD-MEDIA-004",
		.title = "Prestaged media under physical access control",
		.area = "MEDIA", .cat = CAT_SECURITY, .sev = SEV_MEDIUM, .automation = AUTO_HYBRID,
		.seed_topic = "prestaged media",
		.rationale = "Prestaged disks carry the image and the media certificate until they "
			"are deployed.",
		.remediation = "Keep prestaged disks locked away until deployment; attest with "
			"osdwarden attest OSD-MEDIA-004.",
		.needs = CERTS,
		.eval = eval_media_004,
	},
	{
		.id = "OSD-CERT-001",
		.title = "Imported .pfx certificates protected",
		.area = "CERT", .cat = CAT_SECURITY, .sev = SEV_MEDIUM, .automation = AUTO_HYBRID,
		.seed_topic = "protect certificate files (.pfx)",
		.rationale = "An imported PKI certificate's .pfx holds a private key; on a PXE DP "
			"without a password it lets any machine that PXE boots authenticate with "
			"it.",
		.remediation = "Keep .pfx files password-protected, stored and moved securely; set "
			"a PXE password on DPs using PKI certificates: Distribution Point "
			"Properties > PXE > Require a password. PowerShell: "
			"Set-CMDistributionPoint -PxePassword.",
		.refs = "CRED-1",
		.needs = CERTS "," DPS,
		.eval = eval_cert_001,
	},
	{
		.id = "OSD-CERT-002",
		.title = "Compromised or orphaned certificates blocked",
		.area = "CERT", .cat = CAT_SECURITY, .sev = SEV_HIGH, .automation = AUTO_AUTO,
		.seed_topic = "block or revoke compromised certificates",
		.rationale = "A PXE certificate whose DP is gone, or one known to be compromised, "
			"still authenticates to the site until it is blocked.",
		.remediation = "Administration > Security > Certificates > select > Block; for PKI "
			"certificates also revoke at the CA. PowerShell: Block-CMCertificate -Id "
			"<SMSID>.",
		.needs = CERTS "," DPS,
		.eval = eval_cert_002,
		.fix = "cert-block",
	},
	{
		.id = "OSD-INFRA-001",
		.title = "Secure channel site server to remote SMS Provider",
		.area = "INFRA", .cat = CAT_SECURITY, .sev = SEV_MEDIUM, .automation = AUTO_HYBRID,
		.seed_topic = "secure channel to the SMS Provider",
		.rationale = "A remote SMS Provider carries site data over the network: unsigned "
			"SMB can be tampered with.",
		.remediation = "Require SMB signing or IPsec between the site server and the "
			"provider host; attest with osdwarden attest OSD-INFRA-001 --object "
			"SITE/HOST.",
		.needs = SMPS,
		.eval = eval_infra_001,
	},
	{
		.id = "OSD-INFRA-002",
		.title = "The AdminService no longer accepts NTLM",
		.area = "INFRA", .cat = CAT_SECURITY, .sev = SEV_HIGH, .automation = AUTO_AUTO,
		.seed_topic = "(2025) NTLM relay to the SMS Provider; version 2509 refuses NTLM on the "
			"administration service",
		.rationale = "Before version 2509 (build 9141) the administration service accepts "
			"NTLM, so a coerced NTLM login can be relayed to the SMS Provider and act "
			"with the victim's Configuration Manager rights (Misconfiguration Manager "
			"TAKEOVER-5). High when the SMS Provider is on another host than the site "
			"server, medium when they share one.",
		.remediation = "Update the site to 2509 or later: Administration > Updates and "
			"Servicing > Install Update Pack. Until then require EPA/SMB signing on the "
			"provider host and keep it off networks an attacker can coerce logins from. "
			"PowerShell: Get-CMSiteUpdate / Install-CMSiteUpdate.",
		.refs = "TAKEOVER-5",
		.needs = "SMS_Site," SMPS,
		.eval = eval_infra_002,
	},
	{
		.id = "OSD-PXE-001",
		.title = "Every PXE responder is sanctioned",
		.area = "PXE", .cat = CAT_SECURITY, .sev = SEV_HIGH, .automation = AUTO_HYBRID,
		.seed_topic = "monitor for unauthorized PXE and multicast DPs",
		.rationale = "A rogue or forgotten PXE responder hands boot images to anyone on "
			"its segment.",
		.remediation = "Review Administration > Distribution Points (PXE tab); remove PXE "
			"where it should not be (Set-CMDistributionPoint -EnablePxe $false); mark "
			"the rest: osdwarden tag dp SERVER --sanctioned.",
		.needs = DPS,
		.eval = eval_pxe_001,
	},
	{
		.id = "OSD-PXE-002",
		.title = "PXE only on trusted segments",
		.area = "PXE", .cat = CAT_SECURITY, .sev = SEV_CRITICAL, .automation = AUTO_HYBRID,
		.seed_topic = "PXE only on secure network segments; never in a perimeter network",
		.rationale = "PXE on an internet-facing or perimeter DP offers deployment to "
			"untrusted machines.",
		.remediation = "Disable PXE on internet-facing DPs: Distribution Point Properties "
			"> PXE. PowerShell: Set-CMDistributionPoint -EnablePxe $false. Tag the "
			"segment: osdwarden tag dp SERVER --trust trusted|untrusted|perimeter.",
		.needs = DPS,
		.eval = eval_pxe_002,
		.fix = "dp-pxe-off",
	},
	{
		.id = "OSD-PXE-003",
		.title = "PXE answers only on specified interfaces",
		.area = "PXE", .cat = CAT_SECURITY, .sev = SEV_MEDIUM, .automation = AUTO_AUTO,
		.seed_topic = "respond to PXE only on specified network interfaces",
		.rationale = "Answering on every interface reaches segments the deployment was "
			"never meant for; a list with no interface silently turns PXE off.",
		.remediation = "Distribution Point Properties > PXE > Respond to PXE requests on "
			"specific network interfaces. PowerShell: Set-CMDistributionPoint "
			"-RespondToAllNetwork $false -MacAddressForRespondingPxeRequest MAC.",
		.needs = DPS,
		.eval = eval_pxe_003,
		.fix = "dp-pxe-listed",
	},
	{
		.id = "OSD-PXE-004",
		.title = "PXE password required",
		.area = "PXE", .cat = CAT_SECURITY, .sev = SEV_HIGH, .automation = AUTO_AUTO,
		.seed_topic = "require a password to PXE boot",
		.rationale = "Without a password, any machine that PXE boots receives the boot "
			"media and its policy; with unknown-computer support it can obtain the "
			"network access account (CRED-1). Current versions encrypt the variable "
			"file with AES-256, but it is still cracked offline when the password is "
			"weak: a short or guessable PXE password is little better than none.",
		.remediation = "Distribution Point Properties > PXE > Require a password when "
			"computers use PXE, with a long random password (20 characters or more, "
			"kept in a vault). PowerShell: Set-CMDistributionPoint -PxePassword "
			"(Read-Host -AsSecureString).",
		.refs = "CRED-1",
		.needs = DPS,
		.eval = eval_pxe_004,
	},
	{
		.id = "OSD-PXE-005",
		.title = "Unknown-computer support deliberate",
		.area = "PXE", .cat = CAT_SECURITY, .sev = SEV_HIGH, .automation = AUTO_AUTO,
		.seed_topic = "access controls for unknown computers; data destroyed on PXE "
			"deployment",
		.rationale = "Unknown computers get deployments without being known to the site; "
			"with a required deployment to All Unknown Computers, any machine that "
			"PXE boots is wiped.",
		.remediation = "Distribution Point Properties > PXE > clear Enable unknown "
			"computer support, or require a password; never deploy a task sequence as "
			"required to All Unknown Computers. PowerShell: Set-CMDistributionPoint "
			"-EnableUnknownComputerSupport $false.",
		.refs = "CRED-1",
		.needs = DPS "," TSS,
		.eval = eval_pxe_005,
	},
	{
		.id = "OSD-PXE-006",
		.title = "No F8 command prompt in boot images",
		.area = "PXE", .cat = CAT_SECURITY, .sev = SEV_HIGH, .automation = AUTO_AUTO,
		.seed_topic = "harden PXE and media boot images",
		.rationale = "The F8 command prompt runs as SYSTEM in WinPE during the deployment, "
			"with its secrets in reach.",
		.remediation = "Boot image Properties > Customization > clear Enable command "
			"support. PowerShell: Set-CMBootImage -EnableCommandSupport $false.",
		.needs = "SMS_BootImagePackage",
		.eval = eval_pxe_006,
		.fix = "boot-f8-off",
	},
	{
		.id = "OSD-PXE-007",
		.title = "PXE responders do not depend on WDS",
		.area = "PXE", .cat = CAT_SECURITY, .sev = SEV_LOW, .automation = AUTO_HYBRID,
		.seed_topic = "(2026) remote code execution CVEs in Windows Deployment Services",
		.rationale = "A PXE responder that is Windows Deployment Services exposes WDS, in "
			"which Microsoft published several remote-code-execution vulnerabilities in "
			"2026 (one in its TFTP server), to every machine on the segment. The "
			"responder without WDS is not affected and is also what the UEFI CA 2023 "
			"boot loader needs (OSD-IMG-004).",
		.remediation = "Distribution Point Properties > PXE > Enable a PXE responder without "
			"Windows Deployment Service. PowerShell: Set-CMDistributionPoint "
			"-EnableNonWdsPxe $true. Where WDS must stay, patch it and attest per DP: "
			"osdwarden attest OSD-PXE-007 --object SERVER.",
		.needs = DPS,
		.eval = eval_pxe_007,
	},
	{
		.id = "OSD-IMG-001",
		.title = "No sensitive software in PXE/multicast images",
		.area = "IMG", .cat = CAT_SECURITY, .sev = SEV_MEDIUM, .automation = AUTO_HYBRID,
		.seed_topic = "restrict content in PXE and multicast images",
		.rationale = "An image that PXE or media can deliver can be captured by whoever "
			"boots it.",
		.remediation = "Keep sensitive line-of-business software out of images reachable "
			"by PXE; attest the review.",
		.needs = TSS ",SMS_PackageBaseclass",
		.eval = eval_img_001,
	},
	{
		.id = "OSD-IMG-002",
		.title = "Reference image recent and patched",
		.area = "IMG", .cat = CAT_SECURITY, .sev = SEV_MEDIUM, .automation = AUTO_AUTO,
		.seed_topic = "latest security updates on the reference computer",
		.rationale = "An old image deploys machines with old vulnerabilities until the "
			"first update cycle.",
		.remediation = "Rebuild or service the image: Operating System Images > Schedule "
			"Updates. PowerShell: Invoke-CMOperatingSystemImageUpdateSchedule.",
		.needs = "SMS_PackageBaseclass",
		.eval = eval_img_002,
	},
	{
		.id = "OSD-IMG-003",
		.title = "Reference computer build environment controlled",
		.area = "IMG", .cat = CAT_SECURITY, .sev = SEV_LOW, .automation = AUTO_ATTEST,
		.seed_topic = "access controls for the reference computer",
		.rationale = "Whoever controls the reference computer controls every machine built "
			"from its image.",
		.remediation = "Build reference images on an isolated, access-controlled host; "
			"attest.",
		.eval = eval_attest_once,
	},
	{
		.id = "OSD-IMG-004",
		.title = "Boot images use the UEFI CA 2023 boot loader",
		.area = "IMG", .cat = CAT_SECURITY, .sev = SEV_MEDIUM, .automation = AUTO_HYBRID,
		.seed_topic = "(2025) Secure Boot bypass CVE-2023-24932 (KB5025885); the 2509 boot "
			"loader option",
		.rationale = "Boot managers signed by the 2011 Windows Production CA are being "
			"revoked because of a Secure Boot bypass (CVE-2023-24932); boot images that "
			"still use them stop booting on patched firmware or stay exploitable. Since "
			"2509 a boot image can use the boot loader signed by the Windows UEFI CA "
			"2023, on PXE DPs without WDS only. The setting is not a public property, so "
			"the boot images PXE and media hand out are listed for an attestation.",
		.remediation = "Software Library > Operating Systems > Boot Images: Properties > "
			"use the boot loader signed by Windows UEFI CA 2023; serve PXE without WDS "
			"(OSD-PXE-007). Then attest per image: osdwarden attest OSD-IMG-004 --object "
			"PACKAGEID.",
		.needs = "SMS_BootImagePackage," TSS "," DPS,
		.eval = eval_img_004,
	},
	{
		.id = "OSD-MC-001",
		.title = "Multicast packages encrypted",
		.area = "MC", .cat = CAT_SECURITY, .sev = SEV_MEDIUM, .automation = AUTO_HYBRID,
		.seed_topic = "enable encryption for multicast packages",
		.rationale = "Unencrypted multicast content can be read by anyone on the segment. "
			"The SMS Provider exposes no documented property or PkgFlags bit for the "
			"setting (0x04000000 is binary delta replication), so osdwarden lists the "
			"packages that may go out by multicast, when a DP serves multicast, and "
			"an operator confirms each; it never passes from flags.",
		.remediation = "Package Properties > Distribution Settings > Encrypt multicast "
			"packages. PowerShell: Set-CMPackage -MulticastEncrypt $true. Then attest "
			"per package: osdwarden attest OSD-MC-001 --object PACKAGEID.",
		.needs = "SMS_PackageBaseclass," DPS,
		.eval = eval_mc_001,
	},
	{
		.id = "OSD-MC-002",
		.title = "No unauthorized multicast servers",
		.area = "MC", .cat = CAT_SECURITY, .sev = SEV_MEDIUM, .automation = AUTO_HYBRID,
		.seed_topic = "monitor for unauthorized multicast DPs",
		.rationale = "An unexpected multicast DP serves content where nobody reviews it.",
		.remediation = "Review Distribution Point Properties > Multicast; disable where "
			"not needed (Set-CMDistributionPoint -EnableMulticast $false); mark the "
			"rest: osdwarden tag dp SERVER --sanctioned.",
		.needs = DPS,
		.eval = eval_mc_002,
	},
	{
		.id = "OSD-TS-001",
		.title = "No unmasked secrets in collection variables",
		.area = "TS", .cat = CAT_SECURITY, .sev = SEV_HIGH, .automation = AUTO_AUTO,
		.seed_topic = "collection variables can be read by local administrators",
		.rationale = "Unmasked variable values are readable in policy on every targeted "
			"machine.",
		.remediation = "Collection Properties > Collection Variables > Do not display this "
			"value. PowerShell: Set-CMDeviceCollectionVariable -IsMask $true.",
		.needs = "SMS_CollectionSettings",
		.eval = eval_ts_001,
	},
	{
		.id = "OSD-TS-002",
		.title = "No masked secrets on PXE-reachable collections",
		.area = "TS", .cat = CAT_SECURITY, .sev = SEV_HIGH, .automation = AUTO_AUTO,
		.seed_topic = "collection variables can be read by local administrators",
		.rationale = "Masked values are still delivered in policy; on All Unknown "
			"Computers or a collection reached by PXE or media, anyone who boots can "
			"request that policy.",
		.remediation = "Move secrets off such collections; prefer accounts and secrets "
			"that need no variable.",
		.refs = "CRED-1",
		.needs = "SMS_CollectionSettings,SMS_Advertisement",
		.eval = eval_ts_002,
	},
	{
		.id = "OSD-TS-003",
		.title = "No sensitive software installed by variables",
		.area = "TS", .cat = CAT_SECURITY, .sev = SEV_LOW, .automation = AUTO_HYBRID,
		.seed_topic = "restrict what task sequence variables can install",
		.rationale = "A step that installs whatever a variable names installs what whoever "
			"sets it chooses.",
		.remediation = "Review the dynamic install steps and who can set their variables; "
			"attest.",
		.needs = "SMS_TaskSequencePackage",
		.eval = eval_ts_003,
	},
	{
		.id = "OSD-TS-004",
		.title = "Run-as account is not the network access account",
		.area = "TS", .cat = CAT_SECURITY, .sev = SEV_HIGH, .automation = AUTO_AUTO,
		.seed_topic = "run-as accounts: do not use the network access account",
		.rationale = "The NAA's password can be recovered from any client; used for "
			"run-as, it runs commands.",
		.remediation = "Task Sequence Editor > Run Command Line > Run this step as the "
			"following account: use a dedicated account. PowerShell: "
			"Set-CMTaskSequenceStepRunCommandLine -UserName.",
		.refs = "CRED-3",
		.needs = "SMS_TaskSequencePackage,SMS_SCI_ClientComp",
		.eval = eval_ts_004,
	},
	{
		.id = "OSD-TS-005",
		.title = "Run-as account least privilege, never an admin",
		.area = "TS", .cat = CAT_SECURITY, .sev = SEV_HIGH, .automation = AUTO_HYBRID,
		.seed_topic = "run-as accounts: least privilege, never domain administrator",
		.rationale = "Run-as credentials reach the client during deployment; a privileged "
			"one is a takeover.",
		.remediation = "Use an account with only the rights the step needs; attest it is "
			"not privileged.",
		.needs = "SMS_TaskSequencePackage,SMS_Admin",
		.eval = eval_ts_005,
	},
	{
		.id = "OSD-TS-006",
		.title = "One run-as account per task sequence",
		.area = "TS", .cat = CAT_SECURITY, .sev = SEV_LOW, .automation = AUTO_AUTO,
		.seed_topic = "limit the scope of run-as accounts",
		.rationale = "An account shared by task sequences widens what one exposed "
			"credential opens.",
		.remediation = "Give each task sequence's run-as step its own account.",
		.needs = "SMS_TaskSequencePackage",
		.eval = eval_ts_006,
	},
	{
		.id = "OSD-TS-007",
		.title = "Run-as account has no roaming profile",
		.area = "TS", .cat = CAT_SECURITY, .sev = SEV_LOW, .automation = AUTO_ATTEST,
		.seed_topic = "run-as accounts: no roaming profiles",
		.rationale = "A roaming profile copies the account's data to every machine it runs "
			"on.",
		.remediation = "Configure run-as accounts without roaming profiles; attest.",
		.eval = eval_attest_once,
	},
	{
		.id = "OSD-TS-008",
		.title = "Exported task sequences stored securely",
		.area = "TS", .cat = CAT_SECURITY, .sev = SEV_LOW, .automation = AUTO_ATTEST,
		.seed_topic = "export task sequences to a secured location",
		.rationale = "Exports can contain passwords of run-as and domain join steps.",
		.remediation = "Export to a protected location over a secure channel; attest.",
		.eval = eval_attest_once,
	},
	{
		.id = "OSD-TS-009",
		.title = "High-impact deployments scoped",
		.area = "TS", .cat = CAT_SECURITY, .sev = SEV_HIGH, .automation = AUTO_AUTO,
		.seed_topic = "an attacker controlling the infrastructure can format all clients",
		.rationale = "A required OS deployment to All Systems or a large collection "
			"reinstalls every member.",
		.remediation = "Deploy to small, purpose-made collections; make wide deployments "
			"Available. PowerShell: New-CMTaskSequenceDeployment -DeployPurpose "
			"Available.",
		.needs = TSS ",SMS_Collection",
		.eval = eval_ts_009,
	},
	{
		.id = "OSD-NAA-001",
		.title = "Enhanced HTTP on, no network access account",
		.area = "NAA", .cat = CAT_SECURITY, .sev = SEV_HIGH, .automation = AUTO_AUTO,
		.seed_topic = "use Enhanced HTTP to reduce the need for a network access account",
		.rationale = "Without Enhanced HTTP or HTTPS, deployments need an NAA whose "
			"password any client can recover; with it on, a leftover NAA is an "
			"unneeded credential.",
		.remediation = "Site Properties > Communication Security > Use Configuration "
			"Manager-generated certificates for HTTP site systems; then remove the "
			"NAA (Software Distribution component). PowerShell: Set-CMSite "
			"-UseSmsGeneratedCert $true.",
		.refs = "CRED-1,CRED-2",
		.needs = "SMS_SCI_Component,SMS_SCI_ClientComp,SMS_Site",
		.eval = eval_naa_001,
	},
	{
		.id = "OSD-NAA-002",
		.title = "Network access account hardening update installed",
		.area = "NAA", .cat = CAT_SECURITY, .sev = SEV_HIGH, .automation = AUTO_HYBRID,
		.seed_topic = "(2025) KB 37447175: NAA information limited to OSD media task "
			"sequences",
		.rationale = "Without the update any client can ask for the network access "
			"account's policy; with it, only the task sequences of OSD media receive it. "
			"A hotfix for 2409 and 2503, in the 2509 hotfix rollup, part of 2603. From "
			"the site's build and, before 2603, its installed updates "
			"(SMS_CM_UpdatePackages, when the site exposes them to the account); "
			"otherwise the operator attests.",
		.remediation = "Administration > Updates and Servicing: install the hotfix "
			"KB37447175 (2409, 2503) or the 2509 rollup, or update to 2603. PowerShell: "
			"Get-CMSiteUpdate -Name '*37447175*' | Install-CMSiteUpdate. Where the "
			"updates cannot be read: osdwarden attest OSD-NAA-002 --object SITE.",
		.refs = "CRED-1",
		.needs = "SMS_Site",
		.eval = eval_naa_002,
	},
	{
		.id = "OSD-RBAC-001",
		.title = "OS Deployment Manager role restricted",
		.area = "RBAC", .cat = CAT_SECURITY, .sev = SEV_MEDIUM, .automation = AUTO_HYBRID,
		.seed_topic = "restrict and monitor the OS Deployment Manager role",
		.rationale = "The role can change boot images and task sequences that run as "
			"SYSTEM everywhere.",
		.remediation = "Administration > Security > Administrative Users: keep few "
			"holders, groups over users, scoped collections. PowerShell: "
			"Remove-CMSecurityRoleFromAdministrativeUser.",
		.needs = "SMS_Admin",
		.eval = eval_rbac_001,
	},
	{
		.id = "OSD-RBAC-002",
		.title = "Who can recover user state",
		.area = "RBAC", .cat = CAT_PRIVACY, .sev = SEV_MEDIUM, .automation = AUTO_HYBRID,
		.seed_topic = "privacy: the View Recovery Information right",
		.rationale = "Recover User State (the console's View Recovery Information) shows "
			"the key that opens a user's stored state. A role grants it when one of its "
			"operations is on the StateMigration object type with bit 0x00800000; the "
			"same bit on collections means Deploy Task Sequences, so the type is "
			"resolved from the site's SMS_RbacSecuredObject, never assumed.",
		.remediation = "Grant Recover User State to one reviewed group at a limited scope: "
			"Administration > Security > Security Roles (Computer Association: Recover "
			"User State). PowerShell: Set-CMSecurityRole / Remove-CMSecurityRoleFrom"
			"AdministrativeUser. Then attest per role.",
		.needs = "SMS_Role,SMS_Admin,SMS_RbacSecuredObject",
		.eval = eval_rbac_002,
	},
	{
		.id = "OSD-RBAC-003",
		.title = "\"Manage OSD Certificate\" restricted",
		.area = "RBAC", .cat = CAT_SECURITY, .sev = SEV_MEDIUM, .automation = AUTO_AUTO,
		.seed_topic = "the OS Deployment Manager can create self-signed certificates",
		.rationale = "Manage OSD Certificate (bit 0x00400000 on the Site type) lets its "
			"holders create and import the self-signed certificates that boot media "
			"present to the site: with one, a machine can impersonate a client.",
		.remediation = "Keep the right in few roles, held by groups at limited scopes: "
			"Administration > Security > Security Roles (Site: Manage OSD Certificate). "
			"PowerShell: Remove-CMSecurityRoleFromAdministrativeUser.",
		.needs = "SMS_Role,SMS_Admin,SMS_RbacSecuredObject",
		.eval = eval_rbac_003,
	},
	{
		.id = "OSD-RBAC-004",
		.title = "\"Create Task Sequence Media\" restricted",
		.area = "RBAC", .cat = CAT_SECURITY, .sev = SEV_MEDIUM, .automation = AUTO_AUTO,
		.seed_topic = "protect bootable media: media carry policy and certificates",
		.rationale = "Create Task Sequence Media (bit 0x00100000 on the SequencePackage "
			"type) makes media that carry the site's policy and a certificate that "
			"authenticates them; every holder can take a deployment off the premises.",
		.remediation = "Keep the right in few roles, held by groups at limited scopes: "
			"Administration > Security > Security Roles (Task Sequence Package: Create "
			"Task Sequence Media). PowerShell: Remove-CMSecurityRoleFromAdministrativeUser.",
		.needs = "SMS_Role,SMS_Admin,SMS_RbacSecuredObject",
		.eval = eval_rbac_004,
	},
	{
		.id = "OSD-SMP-001",
		.title = "Secure channel between clients and SMP",
		.area = "SMP", .cat = CAT_PRIVACY, .sev = SEV_MEDIUM, .automation = AUTO_HYBRID,
		.seed_topic = "secure the channel when migrating user state",
		.rationale = "User state travels over SMB to the state migration point.",
		.remediation = "Require SMB signing or IPsec to the SMP; attest per SMP.",
		.needs = SMPS,
		.eval = eval_smp_001,
	},
	{
		.id = "OSD-SMP-002",
		.title = "Deletion policy is not \"immediately\"",
		.area = "SMP", .cat = CAT_SECURITY, .sev = SEV_HIGH, .automation = AUTO_AUTO,
		.seed_topic = "do not delete user state immediately",
		.rationale = "Deleting right after restore leaves no way back if the restore was "
			"incomplete.",
		.remediation = "State Migration Point Properties > Deletion policy: Delete after N "
			"days. PowerShell: Set-CMStateMigrationPoint -TimeDeleteAfter 1 -TimeUnit "
			"Days.",
		.needs = SMPS,
		.eval = eval_smp_002,
		.fix = "smp-deletion-delay",
	},
	{
		.id = "OSD-SMP-003",
		.title = "User state retention not excessive",
		.area = "SMP", .cat = CAT_PRIVACY, .sev = SEV_MEDIUM, .automation = AUTO_AUTO,
		.seed_topic = "privacy: restored data is deleted after a day by default",
		.rationale = "Every extra day keeps users' files, settings and cookies on the SMP.",
		.remediation = "State Migration Point Properties > Deletion policy within the "
			"retention policy. PowerShell: Set-CMStateMigrationPoint -TimeDeleteAfter.",
		.needs = SMPS,
		.eval = eval_smp_003,
		.fix = "smp-deletion-delay",
	},
	{
		.id = "OSD-SMP-004",
		.title = "Restored associations deleted",
		.area = "SMP", .cat = CAT_PRIVACY, .sev = SEV_MEDIUM, .automation = AUTO_AUTO,
		.seed_topic = "delete computer associations manually",
		.rationale = "A restored association keeps the user's data reachable until someone "
			"deletes it.",
		.remediation = "Assets and Compliance > User State Migration > delete the "
			"association. PowerShell: Remove-CMComputerAssociation.",
		.needs = "SMS_StateMigration",
		.eval = eval_smp_004,
		.ordered = true,
		.fix = "assoc-delete",
	},
	{
		.id = "OSD-SMP-005",
		.title = "Never-restored associations reviewed",
		.area = "SMP", .cat = CAT_PRIVACY, .sev = SEV_LOW, .automation = AUTO_AUTO,
		.seed_topic = "delete computer associations; data at rest on the SMP",
		.rationale = "A capture never restored is user data nobody is waiting for.",
		.remediation = "Review with the owners; restore or delete "
			"(Remove-CMComputerAssociation).",
		.needs = "SMS_StateMigration",
		.eval = eval_smp_005,
		.ordered = true,
	},
	{
		.id = "OSD-SMP-006",
		.title = "SMP storage bounded",
		.area = "SMP", .cat = CAT_SECURITY, .sev = SEV_MEDIUM, .automation = AUTO_AUTO,
		.seed_topic = "an attacker can fill the SMP's disk",
		.rationale = "A folder without a client limit and minimum free space can be filled "
			"until the server stops.",
		.remediation = "State Migration Point Properties > folder: set Maximum clients and "
			"Minimum free space. PowerShell: Set-CMStateMigrationPoint -StorageFolder.",
		.needs = SMPS,
		.eval = eval_smp_006,
	},
	{
		.id = "OSD-SMP-007",
		.title = "Decommissioned SMP folders and shares deleted",
		.area = "SMP", .cat = CAT_PRIVACY, .sev = SEV_HIGH, .automation = AUTO_HYBRID,
		.seed_topic = "delete folders and shares when decommissioning an SMP",
		.rationale = "Removing the role leaves the state store, and users' data, on the "
			"server.",
		.remediation = "Delete the folder and share on the server, then attest; osdwarden "
			"smp decommission guides it.",
		.needs = SMPS,
		.eval = eval_smp_007,
	},
	{
		.id = "OSD-SMP-008",
		.title = "SMP data backed up",
		.area = "SMP", .cat = CAT_SECURITY, .sev = SEV_LOW, .automation = AUTO_ATTEST,
		.seed_topic = "site backup does not include user state",
		.rationale = "A failed SMP loses captured user state that the site backup does not "
			"hold.",
		.remediation = "Back up the state store folders separately; attest per SMP.",
		.needs = SMPS,
		.eval = eval_smp_008,
	},
	{
		.id = "OSD-USMT-001",
		.title = "Latest supported USMT",
		.area = "USMT", .cat = CAT_SECURITY, .sev = SEV_LOW, .automation = AUTO_AUTO,
		.seed_topic = "use the latest USMT",
		.rationale = "Old USMT versions miss fixes and newer settings of the systems they "
			"migrate.",
		.remediation = "Update the USMT package from the current Windows ADK: Software "
			"Library > Packages > User State Migration Tool > Update Distribution "
			"Points.",
		.needs = "SMS_PackageBaseclass",
		.eval = eval_usmt_001,
	},
	{
		.id = "OSD-PRIV-001",
		.title = "Scope of captured user data reviewed",
		.area = "PRIV", .cat = CAT_PRIVACY, .sev = SEV_LOW, .automation = AUTO_ATTEST,
		.seed_topic = "privacy: what user state migration captures",
		.rationale = "USMT captures files, settings and browser data; what is captured "
			"should be what is needed.",
		.remediation = "Review the USMT XML rules with the data owners; attest the review "
			"date.",
		.eval = eval_attest_once,
	},
	/* Chains last: they read the results above. */
	{
		.id = "OSD-CHAIN-CRED1",
		.title = "Unauthenticated PXE can obtain secrets",
		.area = "PXE", .cat = CAT_SECURITY, .sev = SEV_CRITICAL, .automation = AUTO_AUTO,
		.seed_topic = "(chain) PXE without password + unknown computers + secrets in "
			"policy",
		.rationale = "Any machine on the segment can PXE boot as an unknown computer and "
			"read the NAA or other secrets from the policy it receives, or the DP's "
			"PKI certificate with its key (Misconfiguration Manager CRED-1).",
		.remediation = "Break any link: PXE password (OSD-PXE-004), no unknown-computer "
			"support (OSD-PXE-005), no NAA (OSD-NAA-001), no secrets in PXE-reachable "
			"policy (OSD-TS-002, OSD-TS-004), no PKI certificate on a DP without a PXE "
			"password (OSD-CERT-001).",
		.refs = "CRED-1",
		.needs = DPS,
		.eval = eval_chain_cred1,
		.inputs = "OSD-CERT-001,OSD-PXE-004,OSD-PXE-005,OSD-NAA-001,OSD-TS-002,OSD-TS-004",
		.chain = true,
	},
	{
		.id = "OSD-CHAIN-PRIV",
		.title = "User state kept and broadly recoverable",
		.area = "SMP", .cat = CAT_PRIVACY, .sev = SEV_CRITICAL, .automation = AUTO_AUTO,
		.seed_topic = "(chain) retention + broad recovery rights",
		.rationale = "Data kept longer than needed that many people can open is the worst "
			"case for privacy.",
		.remediation = "Shorten retention and delete restored associations "
			"(OSD-SMP-003/004/005), and narrow View Recovery Information "
			"(OSD-RBAC-002).",
		.eval = eval_chain_priv,
		.inputs = "OSD-SMP-003,OSD-SMP-004,OSD-SMP-005,OSD-RBAC-002",
		.chain = true,
	},
};
#define N_CHECKS (sizeof catalog / sizeof catalog[0])
_Static_assert(N_CHECKS <= CHK_MAX, "the catalogue outgrew CHK_MAX (checks/checks.h): raise it");

size_t chk_count(void)
{
	return N_CHECKS;
}

const struct chk_def *chk_at(size_t i)
{
	return i < N_CHECKS ? &catalog[i] : NULL;
}

const struct chk_def *chk_find(const char *id)
{
	for (size_t i = 0; i < N_CHECKS; i++)
		if (strcmp(catalog[i].id, id) == 0)
			return &catalog[i];
	return NULL;
}

/* Whether the ','-separated list has the item (exactly). */
static bool list_has(const char *list, const char *item)
{
	size_t n = strlen(item);

	for (const char *p = list; p && *p; p += strcspn(p, ","), p += *p == ',')
		if (strncmp(p, item, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

bool chk_reads_input(const struct chk_def *d, const char *id)
{
	return list_has(d->inputs, id);
}

bool chk_depends_on(const struct chk_def *d, const char *cls)
{
	char id[64];

	if (list_has(d->needs, cls))
		return true;
	for (const char *p = d->inputs; p && *p; p += strcspn(p, ","), p += *p == ',') {
		const struct chk_def *in;
		snprintf(id, sizeof id, "%.*s", (int)strcspn(p, ","), p);
		/* Inputs come earlier in the catalogue, so this ends. */
		if ((in = chk_find(id)) && in < d && chk_depends_on(in, cls))
			return true;
	}
	return false;
}

size_t chk_index(const struct chk_def *d)
{
	return (size_t)(d - chk_at(0));
}

const char *chk_short_id(const struct chk_def *d)
{
	static const char prefix[] = "OSD-";

	return strncmp(d->id, prefix, sizeof prefix - 1) == 0 ? d->id + sizeof prefix - 1 : d->id;
}
