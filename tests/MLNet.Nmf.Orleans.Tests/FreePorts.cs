using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MLNet.Nmf.Orleans.Tests;

/// <summary>
/// TCP ports chosen at run time: the system gives each a port nothing listens on (a listener bound to port 0), then
/// the listener is stopped, so that a test neither fails because a fixed port is taken on a shared machine nor clashes
/// with another test. A test that needs a port where nothing listens gets one the same way.
/// </summary>
internal static class FreePorts
{
    /// <summary><paramref name="count"/> distinct loopback ports that were free a moment ago.</summary>
    public static int[] Take(int count)
    {
        // All listeners are held until every port is known, so that the ports are distinct.
        var listeners = new TcpListener[count];
        try
        {
            for (int i = 0; i < count; i++)
            {
                listeners[i] = new TcpListener(IPAddress.Loopback, 0);
                listeners[i].Start();
            }
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var listener in listeners)
                listener?.Stop();
        }
    }

    /// <summary>One loopback port that was free a moment ago.</summary>
    public static int Take() => Take(1)[0];

    /// <summary>The port as the CLI reads it.</summary>
    public static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
}
