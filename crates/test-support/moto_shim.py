"""moto's server with the calls it lacks that the Terraform AWS provider makes.

The one place where the emulator is completed (docs/architecture/emulator.md). Each
addition answers from what moto itself stored, never a canned value, and changes
nothing a real account sees: the Terraform and the tools are the same against AWS.

- budgets DescribeSubscribersForNotification (moto 5.2.5 stores subscribers but has
  no call to read them): the provider reads a budget's subscribers after creating it.
- budgets UpdateBudget (moto 5.2.6 has none; the provider retries it until its
  timeout): the stored budget takes the new definition, as AWS does. A deploy that
  changes a budget's limit (`deploy --cap`) needs it.
- budgets TagResource / UntagResource / ListTagsForResource, and the ResourceTags of
  CreateBudget (moto 5.2.5 ignores them): the provider reads a budget's tags back.
- application-autoscaling TagResource / UntagResource / ListTagsForResource, and the
  Tags of RegisterScalableTarget (moto 5.2.5 ignores them): the provider reads tags
  back after creating a scalable target and loops until they match.
- apigatewayv2 UpdateStage (moto 5.2.6 has none): the spend cap throttles the HTTP
  API's stage to 0 and `ecs-scale resume` restores it; the given fields are merged into
  the stage moto stored, as AWS does.
- ssm DescribeParameters honours MaxResults (1-50, as AWS does; moto 5.2.5 always
  pages by 10), so a listing's request count is what it would be on AWS.

Run as `python moto_shim.py -H 127.0.0.1 -p PORT` (the arguments of moto.server).
"""

import json
import sys

from urllib.parse import unquote

from moto.apigatewayv2.responses import ApiGatewayV2Response
from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.budgets.exceptions import NotFoundException
from moto.budgets.responses import BudgetsResponse
from moto.core.utils import unix_time
from moto.core.responses import ActionResult
from moto.ssm.responses import SimpleSystemManagerResponse
from moto.server import main

def describe_parameters(self):
    try:
        page_size = min(max(int(self._get_param("MaxResults") or 10), 1), 50)
    except (TypeError, ValueError):
        page_size = 10
    token = self._get_param("NextToken")
    token = int(token.strip()) if isinstance(token, str) and token.strip() else 0
    result = self.ssm_backend.describe_parameters(
        self._get_param("Filters"), self._get_param("ParameterFilters")
    )
    page = result[token : token + page_size]
    response = {"Parameters": [p.describe_response_object(False) for p in page]}
    if token + page_size < len(result):
        response["NextToken"] = str(token + page_size)
    return ActionResult(response)


SimpleSystemManagerResponse.describe_parameters = describe_parameters

# ARN -> {key: value}, per process (the server is one process).
_SCALABLE_TARGET_TAGS = {}
_BUDGET_TAGS = {}


def describe_subscribers_for_notification(self):
    account_id = self._get_param("AccountId")
    budget_name = self._get_param("BudgetName")
    wanted = self._get_param("Notification") or {}
    budget = self.backend.budgets.get(account_id, {}).get(budget_name)
    if budget is None:
        return json.dumps({"Subscribers": []})
    keys = ("NotificationType", "ComparisonOperator", "Threshold", "ThresholdType")
    for n in budget.notifications:
        if all(str(n.details.get(k)) == str(wanted.get(k)) for k in keys if k in wanted):
            return json.dumps({"Subscribers": n.subscribers or []})
    return json.dumps({"Subscribers": []})


BudgetsResponse.describe_subscribers_for_notification = describe_subscribers_for_notification

_create_budget = BudgetsResponse.create_budget


def create_budget(self):
    body = _create_budget(self)
    account_id = self._get_param("AccountId")
    name = (self._get_param("Budget") or {}).get("BudgetName")
    arn = f"arn:aws:budgets::{account_id}:budget/{name}"
    for tag in self._get_param("ResourceTags") or []:
        _BUDGET_TAGS.setdefault(arn, {})[tag["Key"]] = tag["Value"]
    return body


def budget_tag_resource(self):
    arn = self._get_param("ResourceARN")
    for tag in self._get_param("ResourceTags") or []:
        _BUDGET_TAGS.setdefault(arn, {})[tag["Key"]] = tag["Value"]
    return json.dumps({})


def budget_untag_resource(self):
    arn = self._get_param("ResourceARN")
    for key in self._get_param("ResourceTagKeys") or []:
        _BUDGET_TAGS.get(arn, {}).pop(key, None)
    return json.dumps({})


def budget_list_tags_for_resource(self):
    arn = self._get_param("ResourceARN")
    tags = [{"Key": k, "Value": v} for k, v in _BUDGET_TAGS.get(arn, {}).items()]
    return json.dumps({"ResourceTags": tags})


def update_budget(self):
    account_id = self._get_param("AccountId")
    new = dict(self._get_param("NewBudget") or {})
    budget = self.backend.budgets.get(account_id, {}).get(new.get("BudgetName"))
    if budget is None:
        raise NotFoundException(f"Unable to update budget - {new.get('BudgetName')} doesn't exist")
    new.setdefault("TimePeriod", budget.budget.get("TimePeriod"))
    new["LastUpdatedTime"] = unix_time()
    budget.budget = new
    return json.dumps({})


BudgetsResponse.create_budget = create_budget
BudgetsResponse.update_budget = update_budget
BudgetsResponse.tag_resource = budget_tag_resource
BudgetsResponse.untag_resource = budget_untag_resource
BudgetsResponse.list_tags_for_resource = budget_list_tags_for_resource

_register = ApplicationAutoScalingResponse.register_scalable_target


def register_scalable_target(self):
    body = _register(self)
    tags = self._get_param("Tags")
    if tags:
        arn = json.loads(body).get("ScalableTargetARN")
        if arn:
            _SCALABLE_TARGET_TAGS.setdefault(arn, {}).update(tags)
    return body


def tag_resource(self):
    arn = self._get_param("ResourceARN")
    _SCALABLE_TARGET_TAGS.setdefault(arn, {}).update(self._get_param("Tags") or {})
    return json.dumps({})


def untag_resource(self):
    arn = self._get_param("ResourceARN")
    for key in self._get_param("TagKeys") or []:
        _SCALABLE_TARGET_TAGS.get(arn, {}).pop(key, None)
    return json.dumps({})


def list_tags_for_resource(self):
    arn = self._get_param("ResourceARN")
    return json.dumps({"Tags": _SCALABLE_TARGET_TAGS.get(arn, {})})


ApplicationAutoScalingResponse.register_scalable_target = register_scalable_target
ApplicationAutoScalingResponse.tag_resource = tag_resource
ApplicationAutoScalingResponse.untag_resource = untag_resource
ApplicationAutoScalingResponse.list_tags_for_resource = list_tags_for_resource



def update_stage(self):
    api_id = self.path.split("/")[-3]
    stage_name = unquote(self.path.split("/")[-1])
    stage = self.apigatewayv2_backend.get_stage(api_id, stage_name)
    body = json.loads(self.body or "{}")
    if "defaultRouteSettings" in body:
        merged = dict(stage.default_route_settings or {})
        merged.update(body["defaultRouteSettings"] or {})
        stage.default_route_settings = merged
    for key, attr in (
        ("description", "description"),
        ("autoDeploy", "auto_deploy"),
        ("stageVariables", "stage_variables"),
        ("routeSettings", "route_settings"),
        ("accessLogSettings", "access_log_settings"),
    ):
        if key in body:
            setattr(stage, attr, body[key])
    return 200, {}, json.dumps(stage.to_json())


ApiGatewayV2Response.update_stage = update_stage

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
