//! A query's result as it is produced: batches one at a time, under the
//! engine's memory pool and timeout, so a consumer never holds every row.

use std::time::Duration;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::execution::SendableRecordBatchStream;
use futures::StreamExt;
use tokio::time::Instant;

use crate::error::EngineError;

/// The batches of one tabular result, pulled with [`QueryStream::next`].
/// The query's timeout counts from when it started, whoever is slow: the
/// engine or the consumer.
pub struct QueryStream {
    schema: SchemaRef,
    stream: SendableRecordBatchStream,
    deadline: Option<(Instant, Duration)>,
    done: bool,
}

impl QueryStream {
    pub(crate) fn new(
        schema: SchemaRef,
        stream: SendableRecordBatchStream,
        deadline: Option<(Instant, Duration)>,
    ) -> QueryStream {
        QueryStream { schema, stream, deadline, done: false }
    }

    /// Column names and Arrow types of the result.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// The next batch; `None` once the result is exhausted. After an error
    /// (a runtime failure, the memory limit, the timeout) the stream ends.
    pub async fn next(&mut self) -> Option<Result<RecordBatch, EngineError>> {
        if self.done {
            return None;
        }
        let next = match self.deadline {
            Some((at, limit)) => match tokio::time::timeout_at(at, self.stream.next()).await {
                Ok(n) => n.map(|r| r.map_err(crate::engine::exec_error)),
                Err(_) => Some(Err(EngineError::Timeout(limit))),
            },
            None => self.stream.next().await.map(|r| r.map_err(crate::engine::exec_error)),
        };
        match &next {
            None | Some(Err(_)) => self.done = true,
            Some(Ok(_)) => {}
        }
        next
    }
}
