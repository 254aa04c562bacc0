import boto3, os
ec2 = boto3.client("ec2"); ecs = boto3.client("ecs"); logs = boto3.client("logs"); aas = boto3.client("application-autoscaling")
vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
sg = ec2.create_security_group(GroupName="t", Description="t", VpcId=vpc)["GroupId"]
ecs.create_cluster(clusterName="fft-dev")
td = ecs.register_task_definition(family="fft-dev-app-service", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
  containerDefinitions=[{"name": "app", "image": "nginx:1.27", "essential": True, "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/fft-dev/app-service", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "app"}}}])["taskDefinition"]["taskDefinitionArn"]
ecs.create_service(cluster="fft-dev", serviceName="app-service", taskDefinition=td, desiredCount=1, launchType="FARGATE",
  networkConfiguration={"awsvpcConfiguration": {"subnets": [sub], "securityGroups": [sg], "assignPublicIp": "ENABLED"}})
