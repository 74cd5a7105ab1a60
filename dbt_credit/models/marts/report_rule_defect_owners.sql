-- Seed report_defect_owners as built: the 通报 reads its rules from the build it reports on, not from the repository.
select * from {{ ref('report_defect_owners') }}
