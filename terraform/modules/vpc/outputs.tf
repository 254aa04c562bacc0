output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "CIDR of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "Public subnet IDs, one per AZ, in the order of availability_zones."
  value       = aws_subnet.public[*].id
}

output "availability_zones" {
  description = "AZs of the subnets."
  value       = var.availability_zones
}
