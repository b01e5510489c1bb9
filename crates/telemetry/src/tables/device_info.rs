//! `DeviceInfo`: what a sensor reports about its machine (name, operating system, addresses), written periodically.
//!
//! Columns follow the Defender XDR advanced hunting reference,
//! <https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-deviceinfo-table>,
//! in its order, then the columns the Microsoft Sentinel (Log Analytics) copy
//! of the table adds, from
//! <https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/deviceinfo>.
//! Which source fills which column: [`crate::sources::device_info`].

use arrow_schema::Schema;

use super::col;

/// The table name.
pub const NAME: &str = "DeviceInfo";

/// The table's schema.
pub fn schema() -> Schema {
    Schema::new(vec![
        col("Timestamp", "datetime"),
        col("DeviceId", "string"),
        col("DeviceName", "string"),
        col("ClientVersion", "string"),
        col("PublicIP", "string"),
        col("OSArchitecture", "string"),
        col("OSPlatform", "string"),
        col("OSBuild", "long"),
        col("IsAzureADJoined", "bool"),
        col("JoinType", "string"),
        col("AadDeviceId", "string"),
        col("LoggedOnUsers", "dynamic"),
        col("RegistryDeviceTag", "string"),
        col("OSVersion", "string"),
        col("MachineGroup", "string"),
        col("ReportId", "long"),
        col("OnboardingStatus", "string"),
        col("AdditionalFields", "dynamic"),
        col("DeviceCategory", "string"),
        col("DeviceType", "string"),
        col("DeviceSubtype", "string"),
        col("Model", "string"),
        col("Vendor", "string"),
        col("OSDistribution", "string"),
        col("OSVersionInfo", "string"),
        col("MergedDeviceIds", "string"),
        col("MergedToDeviceId", "string"),
        col("IsInternetFacing", "bool"),
        col("SensorHealthState", "string"),
        col("IsExcluded", "bool"),
        col("ExclusionReason", "string"),
        col("ExposureLevel", "string"),
        col("AssetValue", "string"),
        col("DeviceManualTags", "string"),
        col("DeviceDynamicTags", "string"),
        col("ConnectivityType", "string"),
        col("HostDeviceId", "string"),
        col("AzureResourceId", "string"),
        col("AwsResourceName", "string"),
        col("GcpFullResourceName", "string"),
        col("HardwareUuid", "string"),
        col("CloudPlatforms", "string"),
        col("AzureVmId", "string"),
        col("AzureVmSubscriptionId", "string"),
        col("IsTransient", "bool"),
        col("OsBuildRevision", "string"),
        col("MitigationStatus", "string"),
        col("Site", "string"),
        col("DiscoverySources", "string"),
        col("DeviceRoles", "string"),
        col("DlpInfo", "string"),
        col("DeviceObjectId", "string"),
        col("SourceSystem", "string"),
        col("TenantId", "string"),
        col("TimeGenerated", "datetime"),
        col("Type", "string"),
    ])
}
