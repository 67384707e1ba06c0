"""``python -m pulumi_css_vpcep <engine address>``: serve the css-vpcep provider plugin over gRPC.

The Pulumi language host runs ``python -m pulumi.run.plugin pulumi-css-vpcep <engine address>``, which
finds no component in the package and runs this module.
"""

from pulumi_css_vpcep._plugin_server import main

if __name__ == "__main__":
    main()
