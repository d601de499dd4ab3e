"""The runtime half: the CPU device, counting the kernels it launches."""

from kiln.runtime.devices.cpu import CpuDevice


class ExampleDevice(CpuDevice):
    """Runs the example target's kernels on the host and counts every launch."""

    name = "example-cpu"
    launches = 0

    def kernel(self, library, name, arity, grid=()):
        launch = super().kernel(library, name, arity, grid)

        def counted(*addresses):
            ExampleDevice.launches += 1
            launch(*addresses)

        return counted
