/* The catalogue: one row per check. IDs are stable forever. */
#include <stdio.h>
#include <string.h>

#include "checks/eval.h"

#define DPS "SMS_DistributionPointInfo,SMS_SCI_SysResUse"
#define CERTS "SMS_Certificate"
#define SMPS "SMS_SCI_SysResUse"
#define TSS "SMS_TaskSequencePackage,SMS_Advertisement"

static const struct chk_def catalog[] = {
	{ "OSD-MEDIA-001", "Boot media is password-protected", "MEDIA", CAT_SECURITY, SEV_HIGH, AUTO_HYBRID,
	  "protect bootable media; privacy: always use a password for boot media",
	  "Whoever holds unprotected boot media can start a deployment and read the policy it carries.",
	  "Recreate the media with a password: Software Library > Operating Systems > Task Sequences > "
	  "Create Task Sequence Media > Protect media with a password. PowerShell: New-CMBootableMedia "
	  "-MediaPassword (Read-Host -AsSecureString). Then attest: osdwarden attest OSD-MEDIA-001.",
	  NULL, NULL, CERTS, eval_media_001, NULL },
	{ "OSD-MEDIA-002", "Media certificates short-lived, blocked when expired", "MEDIA", CAT_SECURITY,
	  SEV_MEDIUM, AUTO_AUTO, "protect bootable and prestaged media",
	  "A media certificate authenticates the media to the site for as long as it is valid and "
	  "unblocked; a lost stick keeps working until then.",
	  "Create media with a short certificate validity; block expired or unneeded ones: "
	  "Administration > Security > Certificates > Block. PowerShell: Block-CMCertificate -Id.",
	  NULL, "block-certificate", CERTS, eval_media_002, NULL },
	{ "OSD-MEDIA-003", "Media created in a secure location", "MEDIA", CAT_SECURITY, SEV_MEDIUM,
	  AUTO_ATTEST, "create media in a secure location",
	  "Media files written to an unprotected share or workstation can be copied before use.",
	  "Create media on a controlled host and path; attest with osdwarden attest OSD-MEDIA-003.",
	  NULL, NULL, NULL, eval_attest_once, NULL },
	{ "OSD-MEDIA-004", "Prestaged media under physical access control", "MEDIA", CAT_SECURITY, SEV_MEDIUM,
	  AUTO_HYBRID, "prestaged media",
	  "Prestaged disks carry the image and the media certificate until they are deployed.",
	  "Keep prestaged disks locked away until deployment; attest with osdwarden attest OSD-MEDIA-004.",
	  NULL, NULL, CERTS, eval_media_004, NULL },
	{ "OSD-CERT-001", "Imported .pfx certificates protected", "CERT", CAT_SECURITY, SEV_MEDIUM,
	  AUTO_HYBRID, "protect certificate files (.pfx)",
	  "An imported PKI certificate's .pfx holds a private key; on a PXE DP without a password it "
	  "lets any machine that PXE boots authenticate with it.",
	  "Keep .pfx files password-protected, stored and moved securely; set a PXE password on DPs "
	  "using PKI certificates: Distribution Point Properties > PXE > Require a password. "
	  "PowerShell: Set-CMDistributionPoint -PxePassword.",
	  "CRED-1", NULL, CERTS "," DPS, eval_cert_001, NULL },
	{ "OSD-CERT-002", "Compromised or orphaned certificates blocked", "CERT", CAT_SECURITY, SEV_HIGH,
	  AUTO_AUTO, "block or revoke compromised certificates",
	  "A PXE certificate whose DP is gone, or one known to be compromised, still authenticates "
	  "to the site until it is blocked.",
	  "Administration > Security > Certificates > select > Block; for PKI certificates also revoke "
	  "at the CA. PowerShell: Block-CMCertificate -Id <SMSID>.",
	  NULL, "block-certificate", CERTS "," DPS, eval_cert_002, NULL },
	{ "OSD-INFRA-001", "Secure channel site server to remote SMS Provider", "INFRA", CAT_SECURITY,
	  SEV_MEDIUM, AUTO_HYBRID, "secure channel to the SMS Provider",
	  "A remote SMS Provider carries site data over the network: unsigned SMB can be tampered with.",
	  "Require SMB signing or IPsec between the site server and the provider host; attest with "
	  "osdwarden attest OSD-INFRA-001 --object SITE/HOST.",
	  NULL, NULL, SMPS, eval_infra_001, NULL },
	{ "OSD-PXE-001", "Every PXE responder is sanctioned", "PXE", CAT_SECURITY, SEV_HIGH, AUTO_HYBRID,
	  "monitor for unauthorized PXE and multicast DPs",
	  "A rogue or forgotten PXE responder hands boot images to anyone on its segment.",
	  "Review Administration > Distribution Points (PXE tab); remove PXE where it should not be "
	  "(Set-CMDistributionPoint -EnablePxe $false); mark the rest: osdwarden tag dp SERVER "
	  "--sanctioned.", NULL, NULL, DPS, eval_pxe_001, NULL },
	{ "OSD-PXE-002", "PXE only on trusted segments", "PXE", CAT_SECURITY, SEV_CRITICAL, AUTO_HYBRID,
	  "PXE only on secure network segments; never in a perimeter network",
	  "PXE on an internet-facing or perimeter DP offers deployment to untrusted machines.",
	  "Disable PXE on internet-facing DPs: Distribution Point Properties > PXE. PowerShell: "
	  "Set-CMDistributionPoint -EnablePxe $false. Tag the segment: osdwarden tag dp SERVER --trust "
	  "trusted|untrusted|perimeter.", NULL, NULL, DPS, eval_pxe_002, NULL },
	{ "OSD-PXE-003", "PXE answers only on specified interfaces", "PXE", CAT_SECURITY, SEV_MEDIUM,
	  AUTO_AUTO, "respond to PXE only on specified network interfaces",
	  "Answering on every interface reaches segments the deployment was never meant for; a list "
	  "with no interface silently turns PXE off.",
	  "Distribution Point Properties > PXE > Respond to PXE requests on specific network "
	  "interfaces. PowerShell: Set-CMDistributionPoint -RespondToAllNetwork $false "
	  "-MacAddressForRespondingPxeRequest MAC.", NULL, "fix-check", DPS, eval_pxe_003, NULL },
	{ "OSD-PXE-004", "PXE password required", "PXE", CAT_SECURITY, SEV_HIGH, AUTO_AUTO,
	  "require a password to PXE boot",
	  "Without a password, any machine that PXE boots receives the boot media and its policy; with "
	  "unknown-computer support it can obtain the network access account (CRED-1).",
	  "Distribution Point Properties > PXE > Require a password when computers use PXE. "
	  "PowerShell: Set-CMDistributionPoint -PxePassword (Read-Host -AsSecureString).",
	  "CRED-1", NULL, DPS, eval_pxe_004, NULL },
	{ "OSD-PXE-005", "Unknown-computer support deliberate", "PXE", CAT_SECURITY, SEV_HIGH, AUTO_AUTO,
	  "access controls for unknown computers; data destroyed on PXE deployment",
	  "Unknown computers get deployments without being known to the site; with a required "
	  "deployment to All Unknown Computers, any machine that PXE boots is wiped.",
	  "Distribution Point Properties > PXE > clear Enable unknown computer support, or require a "
	  "password; never deploy a task sequence as required to All Unknown Computers. PowerShell: "
	  "Set-CMDistributionPoint -EnableUnknownComputerSupport $false.",
	  "CRED-1", NULL, DPS "," TSS, eval_pxe_005, NULL },
	{ "OSD-PXE-006", "No F8 command prompt in boot images", "PXE", CAT_SECURITY, SEV_HIGH, AUTO_AUTO,
	  "harden PXE and media boot images",
	  "The F8 command prompt runs as SYSTEM in WinPE during the deployment, with its secrets in "
	  "reach.",
	  "Boot image Properties > Customization > clear Enable command support. PowerShell: "
	  "Set-CMBootImage -EnableCommandSupport $false.", NULL, "fix-check",
	  "SMS_BootImagePackage", eval_pxe_006, NULL },
	{ "OSD-IMG-001", "No sensitive software in PXE/multicast images", "IMG", CAT_SECURITY, SEV_MEDIUM,
	  AUTO_HYBRID, "restrict content in PXE and multicast images",
	  "An image that PXE or media can deliver can be captured by whoever boots it.",
	  "Keep sensitive line-of-business software out of images reachable by PXE; attest the review.",
	  NULL, NULL, TSS ",SMS_PackageBaseclass", eval_img_001, NULL },
	{ "OSD-IMG-002", "Reference image recent and patched", "IMG", CAT_SECURITY, SEV_MEDIUM, AUTO_AUTO,
	  "latest security updates on the reference computer",
	  "An old image deploys machines with old vulnerabilities until the first update cycle.",
	  "Rebuild or service the image: Operating System Images > Schedule Updates. PowerShell: "
	  "Invoke-CMOperatingSystemImageUpdateSchedule.", NULL, NULL, "SMS_PackageBaseclass", eval_img_002, NULL },
	{ "OSD-IMG-003", "Reference computer build environment controlled", "IMG", CAT_SECURITY, SEV_LOW,
	  AUTO_ATTEST, "access controls for the reference computer",
	  "Whoever controls the reference computer controls every machine built from its image.",
	  "Build reference images on an isolated, access-controlled host; attest.",
	  NULL, NULL, NULL, eval_attest_once, NULL },
	{ "OSD-MC-001", "Multicast packages encrypted", "MC", CAT_SECURITY, SEV_MEDIUM, AUTO_HYBRID,
	  "enable encryption for multicast packages",
	  "Unencrypted multicast content can be read by anyone on the segment. The SMS Provider "
	  "exposes no documented property or PkgFlags bit for the setting (0x04000000 is binary "
	  "delta replication), so osdwarden lists the packages that may go out by multicast, when a "
	  "DP serves multicast, and an operator confirms each; it never passes from flags.",
	  "Package Properties > Distribution Settings > Encrypt multicast packages. PowerShell: "
	  "Set-CMPackage -MulticastEncrypt $true. Then attest per package: osdwarden attest "
	  "OSD-MC-001 --object PACKAGEID.", NULL, NULL, "SMS_PackageBaseclass," DPS, eval_mc_001, NULL },
	{ "OSD-MC-002", "No unauthorized multicast servers", "MC", CAT_SECURITY, SEV_MEDIUM, AUTO_HYBRID,
	  "monitor for unauthorized multicast DPs",
	  "An unexpected multicast DP serves content where nobody reviews it.",
	  "Review Distribution Point Properties > Multicast; disable where not needed "
	  "(Set-CMDistributionPoint -EnableMulticast $false); mark the rest: osdwarden tag dp SERVER "
	  "--sanctioned.", NULL, NULL, DPS, eval_mc_002, NULL },
	{ "OSD-TS-001", "No unmasked secrets in collection variables", "TS", CAT_SECURITY, SEV_HIGH,
	  AUTO_AUTO, "collection variables can be read by local administrators",
	  "Unmasked variable values are readable in policy on every targeted machine.",
	  "Collection Properties > Collection Variables > Do not display this value. PowerShell: "
	  "Set-CMDeviceCollectionVariable -IsMask $true.", NULL, NULL, "SMS_CollectionSettings",
	  eval_ts_001, NULL },
	{ "OSD-TS-002", "No masked secrets on PXE-reachable collections", "TS", CAT_SECURITY, SEV_HIGH,
	  AUTO_AUTO, "collection variables can be read by local administrators",
	  "Masked values are still delivered in policy; on All Unknown Computers or a collection "
	  "reached by PXE or media, anyone who boots can request that policy.",
	  "Move secrets off such collections; prefer accounts and secrets that need no variable.",
	  "CRED-1", NULL, "SMS_CollectionSettings,SMS_Advertisement", eval_ts_002, NULL },
	{ "OSD-TS-003", "No sensitive software installed by variables", "TS", CAT_SECURITY, SEV_LOW,
	  AUTO_HYBRID, "restrict what task sequence variables can install",
	  "A step that installs whatever a variable names installs what whoever sets it chooses.",
	  "Review the dynamic install steps and who can set their variables; attest.",
	  NULL, NULL, "SMS_TaskSequencePackage", eval_ts_003, NULL },
	{ "OSD-TS-004", "Run-as account is not the network access account", "TS", CAT_SECURITY, SEV_HIGH,
	  AUTO_AUTO, "run-as accounts: do not use the network access account",
	  "The NAA's password can be recovered from any client; used for run-as, it runs commands.",
	  "Task Sequence Editor > Run Command Line > Run this step as the following account: use a "
	  "dedicated account. PowerShell: Set-CMTaskSequenceStepRunCommandLine -UserName.",
	  "CRED-3", NULL, "SMS_TaskSequencePackage,SMS_SCI_ClientComp", eval_ts_004, NULL },
	{ "OSD-TS-005", "Run-as account least privilege, never an admin", "TS", CAT_SECURITY, SEV_HIGH,
	  AUTO_HYBRID, "run-as accounts: least privilege, never domain administrator",
	  "Run-as credentials reach the client during deployment; a privileged one is a takeover.",
	  "Use an account with only the rights the step needs; attest it is not privileged.",
	  NULL, NULL, "SMS_TaskSequencePackage,SMS_Admin", eval_ts_005, NULL },
	{ "OSD-TS-006", "One run-as account per task sequence", "TS", CAT_SECURITY, SEV_LOW, AUTO_AUTO,
	  "limit the scope of run-as accounts",
	  "An account shared by task sequences widens what one exposed credential opens.",
	  "Give each task sequence's run-as step its own account.", NULL, NULL,
	  "SMS_TaskSequencePackage", eval_ts_006, NULL },
	{ "OSD-TS-007", "Run-as account has no roaming profile", "TS", CAT_SECURITY, SEV_LOW, AUTO_ATTEST,
	  "run-as accounts: no roaming profiles",
	  "A roaming profile copies the account's data to every machine it runs on.",
	  "Configure run-as accounts without roaming profiles; attest.", NULL, NULL, NULL, eval_attest_once, NULL },
	{ "OSD-TS-008", "Exported task sequences stored securely", "TS", CAT_SECURITY, SEV_LOW, AUTO_ATTEST,
	  "export task sequences to a secured location",
	  "Exports can contain passwords of run-as and domain join steps.",
	  "Export to a protected location over a secure channel; attest.", NULL, NULL, NULL,
	  eval_attest_once, NULL },
	{ "OSD-TS-009", "High-impact deployments scoped", "TS", CAT_SECURITY, SEV_HIGH, AUTO_AUTO,
	  "an attacker controlling the infrastructure can format all clients",
	  "A required OS deployment to All Systems or a large collection reinstalls every member.",
	  "Deploy to small, purpose-made collections; make wide deployments Available. PowerShell: "
	  "New-CMTaskSequenceDeployment -DeployPurpose Available.", NULL, NULL,
	  TSS ",SMS_Collection", eval_ts_009, NULL },
	{ "OSD-NAA-001", "Enhanced HTTP on, no network access account", "NAA", CAT_SECURITY, SEV_HIGH,
	  AUTO_AUTO, "use Enhanced HTTP to reduce the need for a network access account",
	  "Without Enhanced HTTP or HTTPS, deployments need an NAA whose password any client can "
	  "recover; with it on, a leftover NAA is an unneeded credential.",
	  "Site Properties > Communication Security > Use Configuration Manager-generated certificates "
	  "for HTTP site systems; then remove the NAA (Software Distribution component). PowerShell: "
	  "Set-CMSite -UseSmsGeneratedCert $true.", "CRED-1,CRED-2", NULL,
	  "SMS_SCI_Component,SMS_SCI_ClientComp,SMS_Site", eval_naa_001, NULL },
	{ "OSD-RBAC-001", "OS Deployment Manager role restricted", "RBAC", CAT_SECURITY, SEV_MEDIUM,
	  AUTO_HYBRID, "restrict and monitor the OS Deployment Manager role",
	  "The role can change boot images and task sequences that run as SYSTEM everywhere.",
	  "Administration > Security > Administrative Users: keep few holders, groups over users, "
	  "scoped collections. PowerShell: Remove-CMSecurityRoleFromAdministrativeUser.",
	  NULL, NULL, "SMS_Admin", eval_rbac_001, NULL },
	{ "OSD-RBAC-002", "Who can view recovery information", "RBAC", CAT_PRIVACY, SEV_MEDIUM, AUTO_HYBRID,
	  "privacy: the View Recovery Information right",
	  "Recovery information opens users' migrated data stores.",
	  "Grant View Recovery Information to one reviewed group only: Administration > Security > "
	  "Security Roles.", NULL, NULL, "SMS_Role,SMS_Admin", eval_rbac_002, NULL },
	{ "OSD-SMP-001", "Secure channel between clients and SMP", "SMP", CAT_PRIVACY, SEV_MEDIUM,
	  AUTO_HYBRID, "secure the channel when migrating user state",
	  "User state travels over SMB to the state migration point.",
	  "Require SMB signing or IPsec to the SMP; attest per SMP.", NULL, NULL, SMPS, eval_smp_001, NULL },
	{ "OSD-SMP-002", "Deletion policy is not \"immediately\"", "SMP", CAT_SECURITY, SEV_HIGH, AUTO_AUTO,
	  "do not delete user state immediately",
	  "Deleting right after restore leaves no way back if the restore was incomplete.",
	  "State Migration Point Properties > Deletion policy: Delete after N days. PowerShell: "
	  "Set-CMStateMigrationPoint -TimeDeleteAfter 1 -TimeUnit Days.", NULL, "fix-check", SMPS,
	  eval_smp_002, NULL },
	{ "OSD-SMP-003", "User state retention not excessive", "SMP", CAT_PRIVACY, SEV_MEDIUM, AUTO_AUTO,
	  "privacy: restored data is deleted after a day by default",
	  "Every extra day keeps users' files, settings and cookies on the SMP.",
	  "State Migration Point Properties > Deletion policy within the retention policy. "
	  "PowerShell: Set-CMStateMigrationPoint -TimeDeleteAfter.", NULL, "fix-check", SMPS,
	  eval_smp_003, NULL },
	{ "OSD-SMP-004", "Restored associations deleted", "SMP", CAT_PRIVACY, SEV_MEDIUM, AUTO_AUTO,
	  "delete computer associations manually",
	  "A restored association keeps the user's data reachable until someone deletes it.",
	  "Assets and Compliance > User State Migration > delete the association. PowerShell: "
	  "Remove-CMComputerAssociation.", NULL, "prune-associations", "SMS_StateMigration",
	  eval_smp_004, NULL },
	{ "OSD-SMP-005", "Never-restored associations reviewed", "SMP", CAT_PRIVACY, SEV_LOW, AUTO_AUTO,
	  "delete computer associations; data at rest on the SMP",
	  "A capture never restored is user data nobody is waiting for.",
	  "Review with the owners; restore or delete (Remove-CMComputerAssociation).", NULL,
	  "prune-associations", "SMS_StateMigration", eval_smp_005, NULL },
	{ "OSD-SMP-006", "SMP storage bounded", "SMP", CAT_SECURITY, SEV_MEDIUM, AUTO_AUTO,
	  "an attacker can fill the SMP's disk",
	  "A folder without a client limit and minimum free space can be filled until the server stops.",
	  "State Migration Point Properties > folder: set Maximum clients and Minimum free space. "
	  "PowerShell: Set-CMStateMigrationPoint -StorageFolder.", NULL, NULL, SMPS, eval_smp_006, NULL },
	{ "OSD-SMP-007", "Decommissioned SMP folders and shares deleted", "SMP", CAT_PRIVACY, SEV_HIGH,
	  AUTO_HYBRID, "delete folders and shares when decommissioning an SMP",
	  "Removing the role leaves the state store, and users' data, on the server.",
	  "Delete the folder and share on the server, then attest; osdwarden smp decommission guides it.",
	  NULL, "decommission-smp", SMPS, eval_smp_007, NULL },
	{ "OSD-SMP-008", "SMP data backed up", "SMP", CAT_SECURITY, SEV_LOW, AUTO_ATTEST,
	  "site backup does not include user state",
	  "A failed SMP loses captured user state that the site backup does not hold.",
	  "Back up the state store folders separately; attest per SMP.", NULL, NULL, SMPS, eval_smp_008, NULL },
	{ "OSD-USMT-001", "Latest supported USMT", "USMT", CAT_SECURITY, SEV_LOW, AUTO_AUTO,
	  "use the latest USMT",
	  "Old USMT versions miss fixes and newer settings of the systems they migrate.",
	  "Update the USMT package from the current Windows ADK: Software Library > Packages > User "
	  "State Migration Tool > Update Distribution Points.", NULL, NULL, "SMS_PackageBaseclass",
	  eval_usmt_001, NULL },
	{ "OSD-PRIV-001", "Scope of captured user data reviewed", "PRIV", CAT_PRIVACY, SEV_LOW, AUTO_ATTEST,
	  "privacy: what user state migration captures",
	  "USMT captures files, settings and browser data; what is captured should be what is needed.",
	  "Review the USMT XML rules with the data owners; attest the review date.", NULL, NULL, NULL,
	  eval_attest_once, NULL },
	/* Chains last: they read the results above. */
	{ "OSD-CHAIN-CRED1", "Unauthenticated PXE can obtain secrets", "PXE", CAT_SECURITY, SEV_CRITICAL,
	  AUTO_AUTO, "(chain) PXE without password + unknown computers + secrets in policy",
	  "Any machine on the segment can PXE boot as an unknown computer and read the NAA or other "
	  "secrets from the policy it receives (Misconfiguration Manager CRED-1).",
	  "Break any link: PXE password (OSD-PXE-004), no unknown-computer support (OSD-PXE-005), no "
	  "NAA (OSD-NAA-001), no secrets in PXE-reachable policy (OSD-TS-002).", "CRED-1", NULL,
	  DPS, eval_chain_cred1, "OSD-PXE-004,OSD-PXE-005,OSD-NAA-001,OSD-TS-002,OSD-TS-004" },
	{ "OSD-CHAIN-PRIV", "User state kept and broadly recoverable", "SMP", CAT_PRIVACY, SEV_CRITICAL,
	  AUTO_AUTO, "(chain) retention + broad recovery rights",
	  "Data kept longer than needed that many people can open is the worst case for privacy.",
	  "Shorten retention and delete restored associations (OSD-SMP-003/004/005), and narrow View "
	  "Recovery Information (OSD-RBAC-002).", NULL, NULL, NULL, eval_chain_priv,
	  "OSD-SMP-003,OSD-SMP-004,OSD-SMP-005,OSD-RBAC-002" },
};
#define N_CHECKS (sizeof catalog / sizeof catalog[0])

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
