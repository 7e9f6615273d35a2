using MLNet.Nmf.Engine.Parallelism;

namespace MLNet.Nmf.Tests.Engine.Parallelism;

/// <summary>The fixed splits of rows into blocks that make results independent of the thread count.</summary>
public class BlockPartitionTests
{
    [Theory]
    [InlineData(0, 256)]
    [InlineData(1, 256)]
    [InlineData(256, 256)]
    [InlineData(257, 256)]
    [InlineData(3000, 256)]
    public void Even_CoversEveryIndexOnce_InBlocksOfTheGivenSize(int count, int size)
    {
        var blocks = BlockPartition.Even(count, size);
        ShouldTile(blocks, count);
        for (int b = 0; b < blocks.BlockCount - 1; b++)
            (blocks.End(b) - blocks.Start(b)).Should().Be(size);
        blocks.BlockCount.Should().Be(Math.Max(1, (count + size - 1) / size));
    }

    [Fact]
    public void ByWork_CoversEveryRowOnce_WithBalancedWork()
    {
        var random = new Random(4);
        var pointers = new int[3001];
        for (int i = 0; i < 3000; i++)
            pointers[i + 1] = pointers[i] + (i % 100 == 0 ? 500 : random.Next(0, 20)); // a few heavy rows
        var blocks = BlockPartition.ByWork(pointers, rowCost: 16, targetBlocks: 64);

        ShouldTile(blocks, 3000);
        blocks.BlockCount.Should().BeInRange(32, 65);
        long total = pointers[^1] + 16L * 3000, perBlock = (total + 63) / 64;
        for (int b = 0; b < blocks.BlockCount; b++)
        {
            long work = pointers[blocks.End(b)] - pointers[blocks.Start(b)] + 16L * (blocks.End(b) - blocks.Start(b));
            work.Should().BeLessThan(perBlock + 500 + 16 + 1, "a block closes as soon as it reaches its share, so it exceeds it by at most one row");
        }
    }

    [Fact]
    public void ByWork_OfASingleRow_IsOneBlock()
    {
        var blocks = BlockPartition.ByWork(new[] { 0, 7 }, rowCost: 16, targetBlocks: 256);
        ShouldTile(blocks, 1);
        blocks.BlockCount.Should().Be(1);
    }

    private static void ShouldTile(BlockPartition blocks, int count)
    {
        blocks.BlockCount.Should().BeGreaterThan(0);
        blocks.Start(0).Should().Be(0);
        blocks.End(blocks.BlockCount - 1).Should().Be(count);
        for (int b = 0; b < blocks.BlockCount; b++)
        {
            if (b > 0) blocks.Start(b).Should().Be(blocks.End(b - 1), "blocks are contiguous");
            if (count > 0) blocks.End(b).Should().BeGreaterThan(blocks.Start(b), "no block is empty");
        }
    }
}
