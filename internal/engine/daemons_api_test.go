package engine

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// exerciseDaemons answers each managed daemon operation with success and
// with an error, for the every-operation walk (TestEngineAPI_EveryOperation;
// see daemons_test.go for their semantics). It needs the group api-asg
// free.
func exerciseDaemons(t *testing.T, h *harness) {
	t.Helper()
	e, c := h.ecs, ctx(t)
	ok[*awsecs.CreateCapacityProviderOutput](t, "CreateCapacityProvider api-dcp")(e.CreateCapacityProvider(c, &awsecs.CreateCapacityProviderInput{
		Name: aws.String("api-dcp"), AutoScalingGroupProvider: &types.AutoScalingGroupProvider{AutoScalingGroupArn: aws.String("api-asg")}}))
	ok[*awsecs.CreateClusterOutput](t, "CreateCluster api-daemons")(e.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: aws.String("api-daemons"),
		CapacityProviders: []string{"api-dcp"}, DefaultCapacityProviderStrategy: strategy("api-dcp", 0, 1)}))

	def := aws.ToString(ok[*awsecs.RegisterDaemonTaskDefinitionOutput](t, "RegisterDaemonTaskDefinition")(e.RegisterDaemonTaskDefinition(c, &awsecs.RegisterDaemonTaskDefinitionInput{
		Family: aws.String("api-agent"), Memory: aws.String("64"),
		ContainerDefinitions: []types.DaemonContainerDefinition{{Name: aws.String("agent"), Image: aws.String("busybox"), Command: []string{"serve"}}},
	})).DaemonTaskDefinitionArn)
	_, err := e.RegisterDaemonTaskDefinition(c, &awsecs.RegisterDaemonTaskDefinitionInput{Family: aws.String("api-agent"), ContainerDefinitions: []types.DaemonContainerDefinition{}})
	apiErr(t, "RegisterDaemonTaskDefinition without containers", err, "ClientException", "Container list cannot be empty")
	ok[*awsecs.DescribeDaemonTaskDefinitionOutput](t, "DescribeDaemonTaskDefinition")(e.DescribeDaemonTaskDefinition(c, &awsecs.DescribeDaemonTaskDefinitionInput{DaemonTaskDefinition: aws.String(def)}))
	_, err = e.DescribeDaemonTaskDefinition(c, &awsecs.DescribeDaemonTaskDefinitionInput{DaemonTaskDefinition: aws.String("api-agent:9")})
	apiErr(t, "DescribeDaemonTaskDefinition of a missing revision", err, "ClientException", "not registered")
	lt := ok[*awsecs.ListDaemonTaskDefinitionsOutput](t, "ListDaemonTaskDefinitions")(e.ListDaemonTaskDefinitions(c, &awsecs.ListDaemonTaskDefinitionsInput{FamilyPrefix: aws.String("api-")}))
	if len(lt.DaemonTaskDefinitions) != 1 || aws.ToString(lt.DaemonTaskDefinitions[0].Arn) != def {
		t.Errorf("ListDaemonTaskDefinitions = %+v", lt.DaemonTaskDefinitions)
	}
	_, err = e.ListDaemonTaskDefinitions(c, &awsecs.ListDaemonTaskDefinitionsInput{NextToken: aws.String("bogus")})
	apiErr(t, "ListDaemonTaskDefinitions with a bad token", err, "InvalidParameterException", "nextToken")

	created := ok[*awsecs.CreateDaemonOutput](t, "CreateDaemon")(e.CreateDaemon(c, &awsecs.CreateDaemonInput{DaemonName: aws.String("api-agent"),
		ClusterArn: aws.String("api-daemons"), DaemonTaskDefinitionArn: aws.String(def), CapacityProviderArns: []string{"api-dcp"}}))
	_, err = e.CreateDaemon(c, &awsecs.CreateDaemonInput{DaemonName: aws.String("x"), ClusterArn: aws.String("ghost"), DaemonTaskDefinitionArn: aws.String(def), CapacityProviderArns: []string{"api-dcp"}})
	apiErr(t, "CreateDaemon in a missing cluster", err, "ClusterNotFoundException", "ghost")
	ok[*awsecs.DescribeDaemonOutput](t, "DescribeDaemon")(e.DescribeDaemon(c, &awsecs.DescribeDaemonInput{DaemonArn: created.DaemonArn}))
	ghost := aws.String("arn:aws:ecs:us-east-1:000000000000:daemon/api-daemons/ghost")
	_, err = e.DescribeDaemon(c, &awsecs.DescribeDaemonInput{DaemonArn: ghost})
	apiErr(t, "DescribeDaemon of a missing daemon", err, "DaemonNotFoundException", "ghost")
	ld := ok[*awsecs.ListDaemonsOutput](t, "ListDaemons")(e.ListDaemons(c, &awsecs.ListDaemonsInput{ClusterArn: aws.String("api-daemons"), CapacityProviderArns: []string{"api-dcp"}}))
	if len(ld.DaemonSummariesList) != 1 {
		t.Errorf("ListDaemons = %+v", ld.DaemonSummariesList)
	}
	_, err = e.ListDaemons(c, &awsecs.ListDaemonsInput{ClusterArn: aws.String("ghost")})
	apiErr(t, "ListDaemons of a missing cluster", err, "ClusterNotFoundException", "ghost")
	up := ok[*awsecs.UpdateDaemonOutput](t, "UpdateDaemon")(e.UpdateDaemon(c, &awsecs.UpdateDaemonInput{DaemonArn: created.DaemonArn, DaemonTaskDefinitionArn: aws.String(def),
		CapacityProviderArns: []string{"api-dcp"}, DeploymentConfiguration: &types.DaemonDeploymentConfiguration{DrainPercent: aws.Float64(50)}}))
	_, err = e.UpdateDaemon(c, &awsecs.UpdateDaemonInput{DaemonArn: created.DaemonArn, DaemonTaskDefinitionArn: aws.String(def), CapacityProviderArns: []string{"api-dcp"},
		DeploymentConfiguration: &types.DaemonDeploymentConfiguration{Alarms: &types.DaemonAlarmConfiguration{Enable: true, AlarmNames: []string{"a"}}}})
	apiErr(t, "UpdateDaemon with alarms", err, "UnsupportedFeatureException", "CloudWatch alarms")
	dd := ok[*awsecs.DescribeDaemonDeploymentsOutput](t, "DescribeDaemonDeployments")(e.DescribeDaemonDeployments(c, &awsecs.DescribeDaemonDeploymentsInput{DaemonDeploymentArns: []string{aws.ToString(created.DeploymentArn), aws.ToString(up.DeploymentArn)}}))
	if len(dd.DaemonDeployments) != 2 || dd.DaemonDeployments[0].Status != types.DaemonDeploymentStatusStopped && dd.DaemonDeployments[0].Status != types.DaemonDeploymentStatusSuccessful {
		t.Errorf("DescribeDaemonDeployments = %+v", dd.DaemonDeployments)
	}
	_, err = e.DescribeDaemonDeployments(c, &awsecs.DescribeDaemonDeploymentsInput{DaemonDeploymentArns: []string{}})
	apiErr(t, "DescribeDaemonDeployments of none", err, "InvalidParameterException", "1 to 20")
	ldd := ok[*awsecs.ListDaemonDeploymentsOutput](t, "ListDaemonDeployments")(e.ListDaemonDeployments(c, &awsecs.ListDaemonDeploymentsInput{DaemonArn: created.DaemonArn, MaxResults: aws.Int32(1)}))
	if len(ldd.DaemonDeployments) != 1 || ldd.NextToken == nil {
		t.Errorf("ListDaemonDeployments one a page = %+v", ldd)
	}
	_, err = e.ListDaemonDeployments(c, &awsecs.ListDaemonDeploymentsInput{DaemonArn: ghost})
	apiErr(t, "ListDaemonDeployments of a missing daemon", err, "ClientException", "ghost")
	ok[*awsecs.DescribeDaemonRevisionsOutput](t, "DescribeDaemonRevisions")(e.DescribeDaemonRevisions(c, &awsecs.DescribeDaemonRevisionsInput{DaemonRevisionArns: []string{aws.ToString(ldd.DaemonDeployments[0].TargetDaemonRevisionArn)}}))
	_, err = e.DescribeDaemonRevisions(c, &awsecs.DescribeDaemonRevisionsInput{DaemonRevisionArns: make([]string, 21)})
	apiErr(t, "DescribeDaemonRevisions of 21", err, "InvalidParameterException", "1 to 20")
	ok[*awsecs.TagResourceOutput](t, "TagResource of a daemon task definition")(e.TagResource(c, &awsecs.TagResourceInput{ResourceArn: aws.String(def), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}))
	ok[*awsecs.UntagResourceOutput](t, "UntagResource of a daemon")(e.UntagResource(c, &awsecs.UntagResourceInput{ResourceArn: created.DaemonArn, TagKeys: []string{"k"}}))
	if tl := ok[*awsecs.ListTagsForResourceOutput](t, "ListTagsForResource of a daemon task definition")(e.ListTagsForResource(c, &awsecs.ListTagsForResourceInput{ResourceArn: aws.String(def)})); len(tl.Tags) != 1 {
		t.Errorf("daemon task definition tags = %+v", tl.Tags)
	}
	_, err = e.ListTagsForResource(c, &awsecs.ListTagsForResourceInput{ResourceArn: ghost})
	apiErr(t, "ListTagsForResource of a missing daemon", err, "InvalidParameterException", "could not be found")
	ok[*awsecs.DeleteDaemonOutput](t, "DeleteDaemon")(e.DeleteDaemon(c, &awsecs.DeleteDaemonInput{DaemonArn: created.DaemonArn}))
	_, err = e.DeleteDaemon(c, &awsecs.DeleteDaemonInput{DaemonArn: created.DaemonArn})
	if err == nil {
		t.Error("DeleteDaemon twice succeeded")
	}
	ok[*awsecs.DeleteDaemonTaskDefinitionOutput](t, "DeleteDaemonTaskDefinition")(e.DeleteDaemonTaskDefinition(c, &awsecs.DeleteDaemonTaskDefinitionInput{DaemonTaskDefinition: aws.String(def)}))
	_, err = e.DeleteDaemonTaskDefinition(c, &awsecs.DeleteDaemonTaskDefinitionInput{DaemonTaskDefinition: aws.String("api-agent")})
	apiErr(t, "DeleteDaemonTaskDefinition without a revision", err, "InvalidParameterException", "must name a revision")
}
